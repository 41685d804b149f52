"""What a leader does with a round, one module per concern:

- `lifecycle`: create, edit, open, self-assessment, delete, and the sender's schedule;
- `closing`: close, what a closed round keeps and forgets, when its results may show;
- `invitations`: personal invitations, new links, declining;
- `reminders`: from which day, to whom, never twice to anyone within a day;
- `open_links`: open links, their caps, pauses and bursts;
- `progress`: the counts and the mail status the round page shows;
- `sharing`: sharing with a coach, and who may see which round;
- `common`: the refusal (`RoundError`), the date, the round's lock, invitation counts.

The app imports from those modules. The names below are re-exported for the tests, which call
`round_services.<name>` in many places.
"""

from .closing import close_round
from .common import RoundError
from .invitations import add_invitations
from .invitations import decline
from .invitations import new_invitation_link
from .lifecycle import create_round
from .lifecycle import delete_round
from .lifecycle import open_round
from .lifecycle import run_schedule
from .lifecycle import save_self_assessment
from .lifecycle import update_round
from .open_links import ensure_open_link
from .open_links import find_open_link
from .open_links import open_link_cautions
from .open_links import rotate_open_link
from .open_links import set_open_link_settings
from .progress import mail_status
from .progress import reported_response_total
from .reminders import send_reminders
from .sharing import share_with_coach

__all__ = [
    "RoundError",
    "add_invitations",
    "close_round",
    "create_round",
    "decline",
    "delete_round",
    "ensure_open_link",
    "find_open_link",
    "mail_status",
    "new_invitation_link",
    "open_link_cautions",
    "open_round",
    "reported_response_total",
    "rotate_open_link",
    "run_schedule",
    "save_self_assessment",
    "send_reminders",
    "set_open_link_settings",
    "share_with_coach",
    "update_round",
]
