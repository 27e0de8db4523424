"""Tell a sync-agent token issued from the command line from one whose issuer was deleted.

Both used to leave `created_by` empty, and both kept working. Existing rows become
"issued by a person" (False): a token whose issuer is known stays as it was, and one
with no issuer on record cannot be told from a deleted person's, so it stops, as the
issuer's token would (docs/sync-agent.md, "Tokens"): a command-line token issued before
this migration is issued again with `manage.py issue_agent_token`.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dentalpin_import", "0012_row_updated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="agenttoken",
            name="issued_from_command_line",
            field=models.BooleanField(default=False, verbose_name="issued from the command line"),
        ),
    ]
