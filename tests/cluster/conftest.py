"""The closing lines of `make cluster-test`: what ran and what was lost."""
import pytest

REPORT: dict = {}


@pytest.fixture(scope="session")
def cluster_report() -> dict:
    """The counts of the cluster test, printed at the end (the same dict as REPORT here)."""
    return REPORT


def pytest_terminal_summary(terminalreporter):
    if "messages" not in REPORT:
        if "start_seconds" in REPORT:
            terminalreporter.write_line("Cluster test: did not finish (see the failure above)")
        return
    r = REPORT
    terminalreporter.write_line(
        f"Cluster test: {r['conversations']} conversations ({r['rest']} REST at once, 1 socket.io), "
        f"{r['messages']} messages, {r['kills']} kill (SIGKILL of a Rasa server at {r['kill_progress']:.0%} of the "
        f"messages, back in {r['restart_seconds']:.0f} s, taking messages again after {r['probes']} probes), "
        f"{r['interrupted']} messages interrupted by it "
        f"({r['recovered']} found stored, {r['resent']} sent again)")
    terminalreporter.write_line(
        f"Cluster test: losses {r['lost']}, duplicated events {r['duplicated']}, tickets {r['tickets']} for "
        f"{r['consenting']} consenting conversations; messages per Rasa server {r['per_server']}; "
        f"locks taken over from the killed server's expired tickets {r['turns_retaken']}; "
        f"start {r['start_seconds']:.0f} s, run {r['total_seconds']:.0f} s")
    if "crash_after_ticket" in r:
        terminalreporter.write_line(
            f"Cluster test: a crash between the ticket and the saved turn left {r['crash_after_ticket']} tickets "
            f"for one conversation (must be 1)")
