"""The GIL is released while pure Rust work runs on large inputs.

Python switches threads only every `switchinterval` seconds or when a thread lets the GIL go.
With the interval set to an hour, a second thread can run during our call only if the call
releases the GIL. The call is repeated (a bounded number of times) until the other thread has
run, so a busy machine that is slow to schedule it cannot fail the test.
"""

import sys
import threading

import numpy as np
import pytest

from sipyco_rs import pyon

BIG = np.arange(2_000_000, dtype="<f8")
ATTEMPTS = 20


def other_thread_ran_during(call):
    ran = []
    gate = threading.Lock()
    gate.acquire()

    def other():
        with gate:  # waits (GIL released) until the gate opens
            ran.append(True)

    old = sys.getswitchinterval()
    sys.setswitchinterval(3600)
    t = threading.Thread(target=other)
    try:
        t.start()
        gate.release()  # `other` may go on, but only once it gets the GIL
        for _ in range(ATTEMPTS):
            call()
            if ran:
                break
        return bool(ran)
    finally:
        sys.setswitchinterval(old)
        t.join()


def test_decoding_large_text_releases_the_gil():
    text = pyon.encode(BIG)
    assert other_thread_ran_during(lambda: pyon.decode(text))


def test_encoding_large_values_releases_the_gil():
    assert other_thread_ran_during(lambda: pyon.encode(BIG))


@pytest.mark.parametrize("value", [BIG, {"k": list(range(50_000))}])
def test_results_are_the_same_with_the_gil_released(value):
    text = pyon.encode(value)
    again = pyon.decode(text)
    assert pyon.encode(again) == text
