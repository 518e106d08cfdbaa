from django.core.management.base import BaseCommand

from apps.privacy.download import readme_text


class Command(BaseCommand):
    help = "Print the README.txt that every 'Download my data' zip holds (docs/privacy.md quotes its file list)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(readme_text(), ending="")
