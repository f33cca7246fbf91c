"""Issue #34 row M3: login attempts are limited per user name as well as per address (a lockout with back-off,
whatever the address, IPv6 clients counted per /64), and a failure is counted in the same step as the limit is
checked, so a burst of parallel guesses cannot pass before any of them is counted.

Real servers on loopback (each guess from a chosen 127.0.0.N source address), and the same app driven over ASGI
with IPv6 client addresses (a loopback socket cannot have them).
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

httpx = pytest.importorskip("httpx")

USER, PW = "ann", "s3cret"


@pytest.fixture
def auth_server(fake_api, tmp_path, monkeypatch):
    from app.web.server import BackgroundServer, make_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    srv = BackgroundServer(make_app(fake_api, auth=[(USER, PW), ("bob", "hunter22")]))
    yield srv.url
    srv.stop()


def _from(url: str, address: str) -> httpx.Client:
    """A client whose connections come from `address` (any 127.0.0.0/8 address is this machine)."""
    return httpx.Client(base_url=url, timeout=60, transport=httpx.HTTPTransport(local_address=address))


def _login(c: httpx.Client, user: str, pw: str) -> int:
    return c.post("/login", data={"username": user, "password": pw}).status_code


def test_guesses_from_rotating_addresses_lock_the_user_name(auth_server):
    from app.web.guard import ACCOUNT_FAILURES, MAX_FAILURES

    codes = []
    for n in range(20):  # 20 addresses, 2 guesses each: no address comes near its own limit
        with _from(auth_server, f"127.0.0.{n + 2}") as c:
            codes += [_login(c, USER, f"guess{n}-{k}") for k in range(2)]
    assert 2 < MAX_FAILURES
    assert codes.count(400) == ACCOUNT_FAILURES and codes[ACCOUNT_FAILURES:] == [429] * (40 - ACCOUNT_FAILURES), codes
    with _from(auth_server, "127.0.0.99") as c:  # the right password from a fresh address: locked all the same
        r = c.post("/login", data={"username": USER, "password": PW})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0, r.text
        assert "user name" in r.json()["error"]
        r = c.get("/api/documents", auth=(USER, PW))  # every route that checks credentials
        assert r.status_code == 429
        assert c.get("/v1/models", headers={"authorization": f"Bearer {USER}:{PW}"}).status_code == 429
        # Another user is not locked out by guesses at this one.
        assert c.get("/api/documents", auth=("bob", "hunter22")).status_code == 200
        # A user name padded with spaces is the same name to Gradio's login: it is locked too.
        assert _login(c, f" {USER} ", "another-guess") == 429


def test_a_burst_of_parallel_guesses_is_checked_at_most_the_limit(auth_server):
    from app.web.guard import MAX_FAILURES

    def guess(i: int) -> int:
        with _from(auth_server, "127.0.0.7") as c:
            return _login(c, f"user{i}", f"wrong{i}")  # another name each time: only the address limit applies

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(guess, range(60)))
    checked = [c for c in codes if c != 429]
    assert len(checked) == MAX_FAILURES and set(checked) == {400}, codes


def test_a_burst_at_one_user_name_from_many_addresses_is_checked_at_most_the_limit(auth_server):
    from app.web.guard import ACCOUNT_FAILURES

    def guess(i: int) -> int:
        with _from(auth_server, f"127.0.1.{i + 1}") as c:
            return _login(c, "bob", f"wrong{i}")

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(guess, range(40)))
    assert sum(c != 429 for c in codes) == ACCOUNT_FAILURES, codes


def test_right_passwords_in_parallel_are_never_throttled(auth_server):
    def ok(i: int) -> int:
        with _from(auth_server, "127.0.0.8") as c:
            return c.get("/api/documents", auth=(USER, PW)).status_code

    with ThreadPoolExecutor(20) as pool:
        assert set(pool.map(ok, range(40))) == {200}


def test_ipv6_clients_count_per_64_and_user_names_lock_whatever_the_address(fake_api, tmp_path, monkeypatch):
    from app.web.guard import ACCOUNT_FAILURES, MAX_FAILURES, client_key
    from app.web.server import make_app

    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff:ffff:ffff:fffe") == "2001:db8:1:2::/64"
    assert client_key("::ffff:192.0.2.7") == "192.0.2.7" and client_key("192.0.2.7") == "192.0.2.7"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    app = make_app(fake_api, auth=[(USER, PW)], allowed_hosts=None)

    async def post(address: str, user: str, pw: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://groundqa.example") as c:
            return (await c.post("/login", data={"username": user, "password": pw})).status_code

    async def scenario() -> None:
        # One /64: a new address in it for every guess is still one client.
        codes = [await post(f"2001:db8:1:2::{i + 1:x}", f"name{i}", "x") for i in range(MAX_FAILURES + 3)]
        assert codes == [400] * MAX_FAILURES + [429] * 3, codes
        assert await post("2001:db8:1:3::1", "name-x", "x") == 400  # the next /64 is another client
        # One user name, guessed from a different /64 each time: locked after ACCOUNT_FAILURES.
        codes = [await post(f"2001:db8:{i + 10:x}::1", USER, f"guess{i}") for i in range(ACCOUNT_FAILURES + 2)]
        assert codes == [400] * ACCOUNT_FAILURES + [429] * 2, codes
        assert await post("2001:db8:ffff::1", USER, PW) == 429  # the right password waits out the lockout

    asyncio.run(scenario())


def test_lockouts_back_off_and_are_forgotten():
    from app.web.guard import ACCOUNT_FAILURES, FORGET_S, LOCKOUT_S, MAX_LOCKOUT_S, LoginThrottle

    t = LoginThrottle(app=None, auth=[(USER, PW)])  # type: ignore[arg-type]
    now = 1000.0
    waits = []
    for round_ in range(8):
        for k in range(ACCOUNT_FAILURES):  # each guess from its own address
            assert t.admit(f"10.0.{round_}.{k}", USER, False, now) == 0
        waits.append(t.admit("10.9.9.9", USER, True, now))  # even the right password waits
        now += waits[-1] + 0.01
    assert waits == pytest.approx([min(LOCKOUT_S * 2 ** i, MAX_LOCKOUT_S) for i in range(8)]), waits
    for k in range(ACCOUNT_FAILURES):
        t.admit(f"10.1.0.{k}", USER, False, now)
    assert t.admit("10.9.9.9", USER, True, now) == pytest.approx(MAX_LOCKOUT_S)
    now += FORGET_S + MAX_LOCKOUT_S + 1  # a day without failures: the next lockout is the first again
    for k in range(ACCOUNT_FAILURES):
        t.admit(f"10.2.0.{k}", USER, False, now)
    assert t.admit("10.9.9.9", USER, True, now) == pytest.approx(LOCKOUT_S)
