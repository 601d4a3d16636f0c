"""`python -m recommender.audio FILE... [--json]`: analyse audio files and print the results.

Files in; per file a readable block (or, with --json, one JSON object a line with `file`,
`tempo`, `key`, `mode`, `loudness`, `time_signature` and their confidences, plus the tags).
A file that cannot be analysed prints its error; the exit status is 1 if any file failed.
"""

from __future__ import annotations

import argparse
import json
import sys

from recommender.audio.analysis import analyze_file
from recommender.audio.decode import AudioError
from recommender.audio.tags import read_tags


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m recommender.audio", description=__doc__)
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    args = parser.parse_args(argv)
    failed = 0
    for name in args.files:
        try:
            analysis, _ = analyze_file(name)
        except AudioError as exc:
            failed += 1
            if args.json:
                print(json.dumps({"file": name, "error": str(exc)}))
            else:
                print(f"{name}: error: {exc}", file=sys.stderr)
            continue
        tags = read_tags(name)
        row = {
            "file": name,
            **analysis.summary(),
            "artist": tags.artist,
            "title": tags.title,
            "album": tags.album,
        }
        print(json.dumps(row) if args.json else _readable(row, analysis.duration))
    return 1 if failed else 0


def _readable(row: dict, duration: float) -> str:
    named = " - ".join(part for part in (row["artist"], row["title"]) if part)
    return "\n".join(
        [
            f"{row['file']}" + (f"  ({named})" if named else "") + f"  {duration:.1f} s",
            f"  tempo          {row['tempo']:7.2f} BPM   confidence {row['tempo_confidence']:.2f}",
            f"  key            {row['key_name']:>7s} {row['mode_name']:<5s}"
            f" confidence {row['key_confidence']:.2f} (mode {row['mode_confidence']:.2f})",
            f"  loudness       {row['loudness']:7.2f} LUFS",
            f"  time signature {row['time_signature']:7d}/4     "
            f"confidence {row['time_signature_confidence']:.2f}",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
