"""The stage and reason codes the decision writes, declared once (README "The audit policy").

Stage codes are the product's (REFERENCE.md §4); which step gives which code is our model of
the engine. Reason codes 2 and 3 are the product's (seed pages); the others are ours, added to
the ``seaudit -t`` reason table (``schema/codes.toml``, which holds their messages; a test
keeps the two together) so every record explains itself.
"""

from __future__ import annotations

# --- stage: the step that decided -----------------------------------------------------------
STAGE_NO_CHECK = 0  # Audit-only mode: no rule was checked
STAGE_NATIVE_DENIED = 17  # the native OS refused what the policy may allow (the agent)
STAGE_LOGIN_ALLOWED = 19  # login when the TERMINAL class is not active
STAGE_LOGOUT = 49
STAGE_CATEGORY = 52
STAGE_ACL = 55  # an ACL entry of the user or its groups, or the owner
STAGE_UACC = 59  # the resource's own defacc
STAGE_NO_STEP = 69  # nothing allowed the access
STAGE_CLASS_UACC = 1059  # the class's _default record (or no record at all)
STAGE_TCP_DEFACC = 408  # TCP: the service's defacc
STAGE_TCP_ACL = 409  # TCP: the service's ACL
STAGE_TCP_STAR = 421  # TCP: the uid(*) entry of the service's ACL
STAGE_PASSWORD = 8  # a wrong password (password attempt)
STAGE_SUSPEND = 5  # serevu disabled or re-enabled the account
STAGE_ADMIN_OK = 305
STAGE_ADMIN_DENIED = 322

# --- reason: why the record was written -----------------------------------------------------
REASON_ALWAYS = 0  # records the product always writes (administration, serevu)
REASON_USER = 2  # the accessor's AUDIT mode asked for this outcome
REASON_RESOURCE = 3  # the resource's AUDIT mode asked for this outcome
REASON_WARNING = 4  # Warning mode: a violation was permitted; always written
REASON_AUDIT_ONLY = 5  # Audit-only mode: every intercepted event is written
REASON_NOTIFY = 6  # the resource asks for a notification of every access
