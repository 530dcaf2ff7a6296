import time, cProfile, pstats
from tests.support.faults import make_phones, report_body, REPORT_PATH, FEVER

def test_scratch(app, make_center, on_call, real_time):
    center = make_center(); on_call(center)
    phones = make_phones(center, 100)
    c = app.test_client()
    for i in range(50):
        c.post(REPORT_PATH, json=report_body(), headers=phones[i%100].headers)
    pr = cProfile.Profile()
    t0 = time.monotonic()
    pr.enable()
    for i in range(300):
        r = c.post(REPORT_PATH, json=report_body(FEVER if i % 20 == 0 else None), headers=phones[i%100].headers)
        assert r.status_code == 201
    pr.disable()
    print("\nper request ms", (time.monotonic()-t0)/300*1000)
    pstats.Stats(pr).sort_stats("cumulative").print_stats(45)
