"""The car-wash rules alone: facts in, decision and reason out."""

import pytest

from frontdesk_carwash.rules import Attendant, NoAttendant, assign


def test_CW_1_fewest_washes_then_hired_first():
    attendants = [Attendant(7, "Ah Ming", 2), Attendant(3, "Ah Fai", 2), Attendant(9, "Lok", 3)]
    decided = assign("customer", attendants, washes_today=7)
    assert (decided.attendant_id, decided.counted, decided.reason.rule) == (3, True, "CW-1")
    assert "Ah Fai" in decided.reason.message


def test_CW_3_bays_in_turn():
    attendants = [Attendant(1, "Ah Fai", 0)]
    assert [assign("customer", attendants, n, bays=3).bay for n in range(5)] == [1, 2, 3, 1, 2]


def test_CW_2_directions_take_no_bay_and_do_not_count():
    decided = assign("directions", [Attendant(1, "Ah Fai", 4)], washes_today=4)
    assert (decided.attendant_id, decided.bay, decided.counted) == (1, None, False)
    assert decided.reason.rule == "CW-2"


def test_CW_1_no_attendant():
    with pytest.raises(NoAttendant):
        assign("customer", [], washes_today=0)
