"""manage.py train_audio: train the audio CNN on the active CF version, with a progress bar."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from webapp.audio.training import audio_retrain
from webapp.training.services import TrainingError


class Command(BaseCommand):
    help = (
        "Train the CNN to predict the active CF version's track vectors from analysed audio, "
        "predict every analysed track, and activate the new audio version."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Retrain even if unchanged.")

    def handle(self, *args, force: bool, **options) -> None:
        disable = options["verbosity"] == 0
        with tqdm(total=100, desc="train_audio", unit="%", disable=disable) as bar:

            def progress(fraction: float, message: str) -> None:
                bar.set_postfix_str(message)
                bar.update(round(fraction * 100) - bar.n)

            try:
                version = audio_retrain(force=force, progress=progress)
            except TrainingError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Audio version #{version.pk}: {version.status}"
                f"{' (active)' if version.is_active else ''}; {version.progress_message}. "
                f"{version.data_counts} {version.metrics}"
            )
        )
