"""The Linux host agent: kernel audit events (auditd) become PAM Server Control records.

One flow, three intakes (``intake``): audit text lines are parsed (``parse``), decoded
(``decode``), grouped into events (``group``), turned into access events and records
(``mapping``), watched for loss (``loss``) and written to the store or a format (``run``).
``rules`` prints the auditctl rules the agent needs.
"""
