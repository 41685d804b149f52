"""languages: a round's default, an invitation's own, a user's interface language

Revision ID: a9e1f4c27b35
Revises: e4b7c2a9d5f1
Create Date: 2027-01-10 10:00:00.000000

rounds.default_language: the invitations' language (and the survey's when the browser asks for
none feedback360 speaks); existing rounds take "en", as they ran. invitations.language and
users.language: NULL, the round's or the browser's. outbox.language: the page's language for
account mail to an address with no account. Nothing about the language of an answer is stored.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "a9e1f4c27b35"
down_revision = "e4b7c2a9d5f1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("default_language", sa.String(length=8), nullable=False, server_default="en")
        )
    for table in ("invitations", "users", "outbox"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    for table in ("outbox", "users", "invitations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("language")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("default_language")
