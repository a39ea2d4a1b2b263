from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("apigw", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="gatewayconnection",
            name="owner_channel",
            field=models.CharField(
                blank=True,
                help_text="The channel-layer channel of the server process whose consumer serves this connection.",
                max_length=100,
            ),
        ),
    ]
