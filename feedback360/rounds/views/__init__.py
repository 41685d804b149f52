"""The leader's pages, one module per concern, all on one blueprint (`bp`, in `common`):

- `lifecycle`: the list of rounds, create, edit, the round page, rate yourself, delete;
- `steps`: open (after saying what is missing) and close (after saying what closing does);
- `invitations`: invite, a new link, remind;
- `open_links`: make or renew an open link, cap or pause it, its QR code;
- `sharing`: share with a coach, stop sharing;
- `back_to_raters`: the word back and the follow-up pulse, after close.
- `followup`: the forecast while the round is open, the focus plan after close.

A refusal from the services (`RoundError`) is handled once, by `common.refused`.
"""

from . import back_to_raters  # noqa: F401  (registers its routes on bp)
from . import followup  # noqa: F401  (registers its routes on bp)
from . import invitations  # noqa: F401
from . import lifecycle  # noqa: F401
from . import open_links  # noqa: F401
from . import sharing  # noqa: F401
from . import steps  # noqa: F401
from .common import bp

__all__ = ["bp"]
