"""Tiny bad requests in numbers (`playground bench --serve-flood`, here a few thousand): each gets
its 4xx and a message, the good ones among them the right answer, and the server keeps serving."""

from playground.bench.serve_flood import run_flood


def test_a_flood_of_bad_requests_is_refused_one_by_one_and_the_server_keeps_serving():
    lines = []
    counts = run_flood(total=4000, clients=16, report=lines.append)
    assert counts["server_alive"] and counts["requests"] == 4000 and counts["connection_errors"] == 0
    assert counts["wrong_status"] == 0 and counts["no_message"] == 0
    assert counts["good_right"] == 4 and counts["good_wrong"] == 0
    assert counts["refused_as_expected"] == 3996
    assert "still serving: yes" in lines[-1]
