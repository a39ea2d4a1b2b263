from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import salted_hmac

from ...models import Message, Room

DEMO_USERS = ["ada", "grace"]
DEMO_ROOM = "lobby"
DEMO_MESSAGES = [
    ("ada", "Welcome to the lobby! Open this page as grace in a private window and say hello."),
    ("grace", "Hello! Messages, and who is here, update live in every open tab."),
    ("ada", "Close a tab and watch the presence list on the other one."),
]


def demo_password(username):
    """A password nobody can guess without this site's SECRET_KEY, the same on every run.

    Being stable, re-seeding neither changes it nor logs anybody out.
    """
    return salted_hmac("seed_demo", username, secret=settings.SECRET_KEY).hexdigest()[:16]


class Command(BaseCommand):
    help = "Create the chat demo's users, room and messages (run it again: nothing is duplicated)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with printed passwords: run it with DEBUG on only.")
        users = {username: self.demo_user(username) for username in DEMO_USERS}
        room, _ = Room.objects.get_or_create(name=DEMO_ROOM, defaults={"host": users[DEMO_USERS[0]]})
        if not room.messages.exists():
            Message.objects.bulk_create(
                Message(room=room, user=users[username], text=text) for username, text in DEMO_MESSAGES
            )
        self.stdout.write(f"Chat demo: room {room.name!r}. Log in as one user, and as the other in a private window:")
        for username in DEMO_USERS:
            self.stdout.write(f"  username {username}  password {demo_password(username)}")

    def demo_user(self, username):
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        if not user.check_password(demo_password(username)):
            user.set_password(demo_password(username))
            user.save(update_fields=["password"])
        return user
