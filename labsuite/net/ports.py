"""Default ports, all above 1024 so no administrator rights are needed.

Each echoes its well-known port (daytime 13, echo 7, web 80) after 80, except chat,
which keeps the course paper's 9000.
"""

DAYTIME = 8013
ECHO = 8007
WEB = 8080
CHAT = 9000
#: The poker table (the paper's capstone), next to the chat.
POKER = 9100
#: The local SNTP server (UDP), so the Time tab's SNTP mode works with no internet.
SNTP = 8123

#: The well-known daytime port the public time servers use.
DAYTIME_WELL_KNOWN = 13
SNTP_WELL_KNOWN = 123

#: Hosts a student can type in: "this computer only" and "other computers too".
LOCAL_ONLY = "127.0.0.1"
EVERYONE = "0.0.0.0"

#: Public time servers offered as presets in the Time tab (never contacted by tests).
TIME_SERVERS = (
    "time.nist.gov",
    "time-a-g.nist.gov",
    "time-b-g.nist.gov",
    "time-a-wwv.nist.gov",
    "time-b-wwv.nist.gov",
)
