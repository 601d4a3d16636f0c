"""Fuzz every /1/ endpoint of a live gunicorn from its own OpenAPI schema (run by hand).

A fresh site (SQLite by default, PostgreSQL with --database-url), a listener with a few
listens, gunicorn on loopback; then the schemathesis CLI for --seconds against
/1/openapi.json with every check (server errors, status codes, content types, headers, bodies
against the schema, invalid data refused, valid data accepted). Prints the cases run, the
failures and errors found and the time; exits non-zero when it found any.

    .venv/bin/python tests/bench/fuzz_api.py [--seconds 600] [--seed 1]
    .venv/bin/python tests/bench/fuzz_api.py --database-url \\
        postgres://postgres@127.0.0.1:5432/dw_reliab_fuzz

The in-suite run is tests/webapp/test_api_fuzz.py; both drop only the failures the schema
cannot state (tests/webapp/fuzzing.py). One schemathesis worker: with more, Python 3.11's
ast.parse (used by hypothesis to describe its filters) is not thread-safe and crashes.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.live import live_site  # noqa: E402
from tests.webapp.fuzzing import FUZZER, FUZZER_LISTENS, fuzz_config  # noqa: E402

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=600, help="schemathesis --max-time")
    parser.add_argument("--seed", type=int, default=None, help="schemathesis --seed")
    parser.add_argument("--database-url", default=None, help="PostgreSQL (dw_reliab_*)")
    parser.add_argument("--redis-url", default=None, help="cache, e.g. redis://127.0.0.1:6379/14")
    return parser.parse_args()


def seed_listens(url: str, token: str) -> None:
    import urllib.request

    body = json.dumps({"listen_type": "import", "payload": FUZZER_LISTENS}).encode()
    request = urllib.request.Request(
        f"{url}/1/submit-listens",
        data=body,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def toml_config(path: Path) -> None:
    """fuzz_config() as the CLI reads it (schemathesis.toml)."""
    config = fuzz_config()
    lines = []
    for name, dictionary in config["dictionaries"].items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(dictionary['values'])}", ""]
    lines.append("[parameters]")
    for key, binding in config["parameters"].items():
        lines.append(
            f'"{key}" = {{ dictionary = "{binding["dictionary"]}", '
            f"probability = {binding['probability']} }}"
        )
    for check, options in config["checks"].items():
        if isinstance(options, dict):
            lines += ["", f"[checks.{check}]"]
            lines += [f"{key} = {json.dumps(value)}" for key, value in options.items()]
    path.write_text("\n".join(lines) + "\n")


def fuzz(site, args) -> dict:
    config, report = site.var_dir / "schemathesis.toml", site.var_dir / "report.json"
    toml_config(config)
    command = [
        SCHEMATHESIS,
        "--config-file",
        str(config),
        "run",
        f"{site.url}/1/openapi.json",
        "--header",
        f"Authorization: Token {site.tokens[FUZZER]}",
        "--checks",
        "all",
        "--workers",
        "1",
        "--max-time",
        str(args.seconds),
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    env = {
        **site.env,
        "SCHEMATHESIS_HOOKS": "tests.webapp.fuzzing",
        "HYPOTHESIS_STORAGE_DIRECTORY": str(site.var_dir / "hypothesis"),
        "DW_FUZZ_DROPPED": str(site.var_dir / "dropped.json"),
    }
    output = site.var_dir / "schemathesis.out"
    with output.open("w") as out:
        # In the site's folder, so schemathesis's crash cache (.schemathesis/) goes with it.
        subprocess.run(command, cwd=site.var_dir, env=env, stdout=out, stderr=subprocess.STDOUT)
    if not report.exists():
        sys.exit(f"schemathesis wrote no report:\n{output.read_text()[-4000:]}")
    result = json.loads(report.read_text())
    result["output"] = output.read_text()
    dropped = site.var_dir / "dropped.json"
    result["dropped"] = json.loads(dropped.read_text()) if dropped.exists() else {}
    return result


def main() -> None:
    args = parse_args()
    started = time.monotonic()
    limits = {"RATELIMIT_PER_TOKEN": "1000000000", "RATELIMIT_PER_IP": "1000000000"}
    with live_site(
        database_url=args.database_url, redis_url=args.redis_url, extra_env=limits
    ) as site:
        seed_listens(site.url, site.tokens[FUZZER])
        result = fuzz(site, args)
        server_log = site.log.read_text()
    cases = result["test_cases"]
    failures = result["failures"]
    print(
        f"schemathesis {result['schemathesis_version']}, seed {result['seed']}, database "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}: {result['operations']['tested']} "
        f"operations, {cases['generated']} cases in {result['running_time']:.0f} s "
        f"({time.monotonic() - started:.0f} s with set-up); "
        f"{sum(f['count'] for f in failures)} failures ({cases['unique_failures']} unique), "
        f"{len(result['errors'])} errors, {result.get('filtered', 0)} dropped by the hook"
    )
    for rule, count in sorted(result["dropped"].items(), key=lambda item: -item[1]):
        print(f"  dropped {count}: refused for {rule!r} (a rule the schema cannot state)")
    for failure in failures:
        print(f"  {failure['code']} {failure['title']}: {failure['count']} in "
              f"{', '.join(failure['operations'])}")  # fmt: skip
    for error in result["errors"]:
        print(f"  error: {error}")
    if "Traceback" in server_log:
        print("  the server logged a traceback:\n" + server_log[-3000:])
    if failures or result["errors"] or "Traceback" in server_log:
        print(result["output"][-8000:])
        sys.exit(1)


if __name__ == "__main__":
    main()
