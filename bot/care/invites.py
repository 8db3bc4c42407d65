"""Creating invitations: the supervisor's `/invite REF [CLINICIAN_ID]` and the operator's
`stride invite create --ref REF [--clinician ID]` (`bot.care.invite_cli`).

Both make a single-use link that expires after INVITE_DAYS; what the clinic writes as REF is
all the identity Stride keeps (use the clinic's own record number, never a name).
"""

from __future__ import annotations

from bot.care.commands import Call, Reply
from bot.care.enrolment import create_invite, invite_link


async def command(call: Call) -> Reply:
    ref, _, rest = call.args.strip().partition(" ")
    clinician = rest.strip()
    if not ref or (clinician and not clinician.isdigit()):
        return Reply(call.text("care.invite.usage"))
    services = call.services
    invite = await create_invite(
        services.store,
        services.clock,
        services.settings,
        ref,
        int(clinician) if clinician else call.user_id,
        f"supervisor:{call.user_id}",
    )
    return Reply(
        call.text(
            "care.invite.created",
            ref=invite.clinic_ref,
            link=invite_link(call.bot.username, invite.code),
            expires=call.reader.time(invite.expires_at),
        )
    )
