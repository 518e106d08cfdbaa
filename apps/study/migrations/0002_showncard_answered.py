"""ShownCard.answered and the partial index of pending showings; showings that a log already answers are marked."""

from django.conf import settings
from django.db import migrations, models


def mark_answered_showings(apps, schema_editor):
    ShownCard = apps.get_model("study", "ShownCard")
    ShownCard.objects.filter(study_log__isnull=False).update(answered=True)


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0001_initial'),
        ('study', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='showncard',
            name='answered',
            field=models.BooleanField(default=False, help_text='A StudyLog answers this showing.'),
        ),
        migrations.RunPython(mark_answered_showings, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='showncard',
            index=models.Index(condition=models.Q(('answered', False)), fields=['learner', 'deck'], name='shown_pending_idx'),
        ),
    ]
