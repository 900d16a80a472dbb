"""Every action the audit log records, declared in one place and one style: ``"<object>.<verb>"``.

:func:`taavon.audit.services.record` refuses a name that is not declared here, so a typo fails
in the tests and not in an investigation. The label is what the history pages show. Back-office
changes are ``"<model>.admin_<add|change|delete>"`` (:class:`taavon.audit.admin.AuditedAdmin`).
Strings only: this lower layer imports no domain.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # accounts
    USER_CREATE = "user.create", _("Created an account")
    USER_UPDATE = "user.update", _("Updated an account")
    USER_LOGIN = "user.login", _("Logged in")
    USER_STEP_UP = "user.step_up", _("Confirmed the password to act as an official")
    USER_LOCK = "user.lock", _("Locked an account after failed logins")  # before logins slowed down instead
    USER_LOGIN_SLOW_DOWN = "user.login_slow_down", _("Slowed down password tries after wrong passwords")
    USER_CODE_LIMIT = "user.code_limit", _("Stopped sending login codes for a while")
    USER_UNLOCK = "user.unlock", _("Unlocked an account")
    TOKEN_CREATE = "token.create", _("Issued an API token")
    TOKEN_REVOKE = "token.revoke", _("Revoked an API token")
    GRANT_CREATE = "grant.create", _("Granted a role")
    GRANT_UPDATE = "grant.update", _("Changed a role")
    GRANT_DELETE = "grant.delete", _("Withdrew a role")
    # registry
    COOPERATIVE_CREATE = "cooperative.create", _("Registered the cooperative")
    COOPERATIVE_UPDATE = "cooperative.update", _("Edited the cooperative")
    COOPERATIVE_STATUS_CHANGE = "cooperative.status_change", _("Changed the status")
    PERSON_CREATE = "person.create", _("Registered a person")
    PERSON_UPDATE = "person.update", _("Completed a person's details")
    MEMBERSHIP_CREATE = "membership.create", _("Added a member")
    MEMBERSHIP_UPDATE = "membership.update", _("Edited a membership")
    MEMBERSHIP_LEAVE = "membership.leave", _("Marked a member as left")
    MEMBERSHIP_VERIFY = "membership.verify", _("Verified a member")
    MEMBERSHIP_VERIFY_ALL = "membership.verify_all", _("Verified all members")  # before verification requests
    VERIFICATION_REQUEST = "verification.request", _("Asked the provincial office to verify a member")
    VERIFICATION_REQUEST_MANY = "verification.request_many", _("Asked the provincial office to verify members")
    VERIFICATION_VERIFY = "verification.verify", _("Verified a member's data")
    VERIFICATION_REFUSE = "verification.refuse", _("Refused to verify a member's data")
    VERIFICATION_WITHDRAW = "verification.withdraw", _("Withdrew a verification request")
    POSITION_CREATE = "position.create", _("Added a position")
    POSITION_END = "position.end", _("Ended a position")
    BOARD_MEETING_RECORD = "board_meeting.record", _("Recorded the board's first meeting")
    MEMBER_IMPORT_PREVIEW = "member_import.preview", _("Uploaded a member file")
    MEMBER_IMPORT_CONFIRM = "member_import.confirm", _("Imported members from a file")
    MEMBER_IMPORT_DISCARD = "member_import.discard", _("Discarded a member file")
    # assemblies
    ASSEMBLY_CONVENE = "assembly.convene", _("Convened an assembly")
    ASSEMBLY_UPDATE = "assembly.update", _("Edited an assembly")
    ASSEMBLY_PUBLISH_NOTICE = "assembly.publish_notice", _("Published an assembly's notice")
    ASSEMBLY_CONVENE_SECOND_CALL = "assembly.convene_second_call", _("Convened a second call")
    ASSEMBLY_CHECK_IN = "assembly.check_in", _("Checked in a member")
    ASSEMBLY_HOLDER_JOIN = "assembly.holder_join", _("A proxy holder joined the session")
    ASSEMBLY_SESSION_OPEN = "assembly.session_open", _("Opened the session")
    ASSEMBLY_SESSION_CLOSE = "assembly.session_close", _("Closed the session")
    ASSEMBLY_ADJOURN = "assembly.adjourn", _("Adjourned for want of quorum")
    PROXY_GIVE = "proxy.give", _("Gave a proxy")
    PROXY_CONFIRM = "proxy.confirm", _("Confirmed a proxy")
    PROXY_REFUSE = "proxy.refuse", _("Refused a proxy")
    PROXY_REVOKE = "proxy.revoke", _("Revoked a proxy")
    CANDIDATE_REGISTER = "candidate.register", _("Registered a candidate")
    CANDIDATE_WITHDRAW = "candidate.withdraw", _("Withdrew a candidacy")
    CANDIDATE_PROFILE = "candidate.profile", _("Edited a candidate's profile")
    DOCUMENT_ADD = "agenda_document.add", _("Added a document to an agenda item")
    DOCUMENT_REMOVE = "agenda_document.remove", _("Removed a document from an agenda item")
    ITEM_OPEN = "item.open", _("Opened voting on an item")
    ITEM_CLOSE = "item.close", _("Closed voting on an item")
    MINUTES_DRAFT = "minutes.draft", _("Drafted the minutes")
    MINUTES_SIGN = "minutes.sign", _("Approved the minutes as a presiding member")
    MINUTES_APPROVE = "minutes.approve", _("The presiding board approved the minutes")
    MINUTES_SUBMIT = "minutes.submit", _("Submitted the minutes")
    MINUTES_REGISTER = "minutes.register", _("Registered the minutes")
    MINUTES_RETURN = "minutes.return", _("Returned the minutes")
    MINUTES_NOTIFY_DECISIONS = "minutes.notify_decisions", _("Notified the decisions to the members")
    # the back office
    COOPERATIVE_ADMIN_CHANGE = "cooperative.admin_change", _("Corrected the cooperative in the back office")
    COOPERATIVE_ADMIN_DELETE = "cooperative.admin_delete", _("Deleted in the back office")
    PERSON_ADMIN_CHANGE = "person.admin_change", _("Corrected a person in the back office")
    PERSON_ADMIN_DELETE = "person.admin_delete", _("Deleted a person in the back office")
    USER_ADMIN_ADD = "user.admin_add", _("Created an account in the back office")
    USER_ADMIN_CHANGE = "user.admin_change", _("Changed an account in the back office")
    USER_ADMIN_DELETE = "user.admin_delete", _("Deleted an account in the back office")
    ROLEGRANT_ADMIN_ADD = "rolegrant.admin_add", _("Granted a role in the back office")
    ROLEGRANT_ADMIN_CHANGE = "rolegrant.admin_change", _("Changed a role in the back office")
    ROLEGRANT_ADMIN_DELETE = "rolegrant.admin_delete", _("Withdrew a role in the back office")


def label(action: str) -> str:
    """What the history pages show for ``action`` (the name itself for one no longer declared)."""
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action
