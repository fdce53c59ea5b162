"""Follow-up notices to principals, escalated to the direction générale (SPEC.md, « Notices »).

plan.py     which notices tonight calls for (pure)
render.py   a notice as a finished `EmailMessage` (templates/notice.*, templates/escalation.*)
deliver.py  exactly-once delivery over the history's notice records
"""
