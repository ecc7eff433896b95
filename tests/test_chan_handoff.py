"""The hand-overs chan.pxi writes once (Go's send/recv helpers) behave the
same whether chanrecv/chansend or select's fire path (pass 0 with one case,
selectgo's pass 1 with several) performs them: a parked receiver gets the
value; a receiver of a full buffer takes the head and a parked sender's value
goes to the tail; close wakes parked senders with a panic and receivers with
(None, False)."""
import pytest

import gmp
from gmp import _chan
from gmptest import wait_until


def recv_via(how, ch):
    if how == "recv":
        return ch.recv()
    if how == "select1":
        return gmp.select(ch.recv)[1]
    return gmp.select(gmp.nilchan.recv, gmp.chan().recv, ch.recv)[1]


def send_via(how, ch, v):
    if how == "send":
        ch.send(v)
    elif how == "select1":
        gmp.select((ch.send, v))
    else:
        gmp.select((gmp.chan().send, 0), (ch.send, v))


RECV = ["recv", "select1", "selectn"]
SEND = ["send", "select1", "selectn"]


@pytest.mark.parametrize("how", RECV)
def test_full_buffer_head_to_receiver_sender_value_to_tail(how):
    ch = gmp.chan(2)
    ch.send(1)
    ch.send(2)
    gmp.go(ch.send, 3)
    wait_until(lambda: _chan._sendq_len(ch) == 1, what="sender parked")
    assert recv_via(how, ch) == 1
    assert _chan._sendq_len(ch) == 0 and len(ch) == 2
    assert [ch.recv(), ch.recv()] == [2, 3]


@pytest.mark.parametrize("how", RECV)
def test_unbuffered_receiver_takes_the_parked_senders_value(how):
    ch = gmp.chan()
    gmp.go(ch.send, "v")
    wait_until(lambda: _chan._sendq_len(ch) == 1, what="sender parked")
    assert recv_via(how, ch) == "v"


@pytest.mark.parametrize("how", SEND)
@pytest.mark.parametrize("size", [0, 1])
def test_sender_hands_its_value_to_a_parked_receiver(how, size):
    ch, got = gmp.chan(size), gmp.chan(1)
    gmp.go(lambda: got.send(ch.recv_ok()))
    wait_until(lambda: _chan._recvq_len(ch) == 1, what="receiver parked")
    send_via(how, ch, "v")
    assert got.recv() == ("v", True)
    assert len(ch) == 0


@pytest.mark.parametrize("how", SEND)
def test_close_panics_parked_senders_and_empties_receivers(how):
    full, empty, out = gmp.chan(), gmp.chan(), gmp.chan(2)

    def sender():
        try:
            send_via(how, full, "dropped")
            out.send("sent")
        except gmp.Panic as e:
            out.send(str(e))

    gmp.go(sender)
    gmp.go(lambda: out.send(empty.recv_ok()))
    wait_until(lambda: _chan._sendq_len(full) == 1 and _chan._recvq_len(empty) == 1,
               what="both parked")
    full.close()
    empty.close()
    assert sorted([out.recv(), out.recv()], key=str) == [(None, False), "send on closed channel"]
