"""Plugins: switching business lines on and off at run time, third-party plugins, and one
focused test per hook of :mod:`core.hookspecs` that the line tests do not already exercise.

Third-party plugins here are small objects given to ``create_plugin_manager(extra=[...])``;
each test uses its own plugin codes, because plugin fields are spliced into the shared core
types (tagged with their plugin) and must not leak from one test into another's schema.
"""

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pluggy
import pytest
import strawberry
from conftest import ADMIN, FIXED_NOW, SHANGHAI, Client
from helpers import CREATE_SITE, add_staff, check_in, legacy, make_site, register
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from strawberry.types.execution import PreExecutionError

from core.contracts import ComplaintPolicy, LineErrorCode, PluginInfo, ReceptionOutcome
from core.decisions import Reason
from core.errors import InvalidInput, NotFound, PluginError
from core.events import record_event
from core.graphql.context import Context
from core.hookspecs import hookimpl
from core.models import Event, PluginState, Site, Staff, Visit
from core.penalties import CORE_CODES
from core.plugins import PluginHost, create_plugin_manager
from core.runtime import Frontdesk
from core.services.plugin_state import set_plugin_enabled
from core.settings import Settings
from plugins.realestate.models import OrderGrab, RotationDay, VisitReception
from schema.build import build_schema

Launch = Callable[..., Awaitable[Frontdesk]]


@pytest.fixture
async def launch(sqlite_url: str) -> AsyncIterator[Launch]:
    """Start a Frontdesk on the test database with extra plugins and the given lines enabled."""
    started: list[Frontdesk] = []

    async def _launch(*extra: Any, enable: tuple[str, ...] = ("realestate",)) -> Frontdesk:
        fd = Frontdesk(
            Settings(database_url=sqlite_url),
            pm=create_plugin_manager(extra=extra),
            schema_factory=build_schema,
        )
        for name in enable:
            async with fd.write() as s:
                await set_plugin_enabled(s, fd.host, name, True, FIXED_NOW)
        await fd.start(watch=False)
        started.append(fd)
        return fd

    yield _launch
    for fd in started:
        await fd.stop()


async def _enable(fd: Frontdesk, name: str, enabled: bool = True) -> frozenset[str]:
    async with fd.write() as s:
        await set_plugin_enabled(s, fd.host, name, enabled, FIXED_NOW)
    return await fd.refresh_plugins()


async def _count(fd: Frontdesk, model: type) -> int:
    async with fd.db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


def _info(code: str, business_line: str | None = None) -> PluginInfo:
    return PluginInfo(
        code=code, name=f"Test plugin {code}", version="0.0.1", business_line=business_line
    )


# --- small third-party plugins -----------------------------------------------------------


def _weather(root: strawberry.Parent[Any]) -> str:
    return f"sunny over visit {root.id}"


@strawberry.type(description="A type no field references, added by frontdesk_graphql_types.")
class WeatherReport:
    summary: str


class WeatherPlugin:
    """Adds ``Visit.weather`` (frontdesk_graphql_type_fields) and a free-standing type."""

    def __init__(self, code: str) -> None:
        self.code = code

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return _info(self.code)

    @hookimpl
    def frontdesk_graphql_type_fields(self) -> dict[str, list[Any]]:
        return {"Visit": [strawberry.field(resolver=_weather, name="weather")]}

    @hookimpl
    def frontdesk_graphql_types(self) -> list[type]:
        return [WeatherReport]


async def _ticks(count: int = 2) -> AsyncGenerator[int, None]:
    for i in range(count):
        yield i


class TickerPlugin:
    def __init__(self, code: str) -> None:
        self.code = code

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return _info(self.code)

    @hookimpl
    def frontdesk_graphql_subscriptions(self) -> list[Any]:
        return [strawberry.subscription(resolver=_ticks, name="ticks")]


class EventRecorder:
    """frontdesk_event: records what it hears and whether the event's row was committed."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.app: Frontdesk | None = None
        self.heard: list[tuple[str, int | None, bool]] = []

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return _info(self.code)

    @hookimpl
    def frontdesk_event(self, event: Any) -> Any:
        return self._hear(event)

    async def _hear(self, event: Any) -> None:
        assert self.app is not None
        # A separate session only sees rows that were committed.
        async with self.app.db.session() as s:
            committed = await s.get(Event, event.id) is not None
        self.heard.append((event.type, event.subject_id, committed))


class NightlifeLine:
    """A third-party business line: KTV-1-style business day, no reception rules of its own."""

    code = "nightlife"

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return _info(self.code, business_line=self.code)

    @hookimpl
    def frontdesk_business_date(self, site: Site, moment: datetime) -> date | None:
        if site.business_line != self.code:
            return None
        local = moment.astimezone(SHANGHAI)
        return local.date() - timedelta(days=1) if local.hour < 2 else local.date()


class TeahouseLine:
    """A third-party line deciding receptions (frontdesk_receive_visit) and recording them
    (frontdesk_visit_recorded) inside the check-in transaction."""

    code = "teahouse"

    def __init__(self) -> None:
        self.recorded: list[tuple[int, str]] = []

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return _info(self.code, business_line=self.code)

    @hookimpl
    def frontdesk_error_codes(self) -> list[LineErrorCode]:
        # Issue 17: published in TeahouseErrorCode and VisitErrorCode (a refused check-in).
        return [LineErrorCode("TEAHOUSE_FULL", "TH-2: at most 8 seats.", ("Visit",))]

    @hookimpl
    def frontdesk_receive_visit(self, context: Any) -> Any:
        if context.site.business_line != self.code:
            return None
        return self._receive(context)

    async def _receive(self, context: Any) -> ReceptionOutcome:
        if context.party_size > 8:
            raise InvalidInput("the teahouse seats at most 8", code="TEAHOUSE_FULL")
        senior = await context.session.scalar(
            select(Staff.id).where(Staff.site_id == context.site.id).order_by(Staff.id.desc())
        )
        return ReceptionOutcome(
            receiver_id=senior,
            counted=context.party_size > 1,
            reason=Reason("TH-1", "the most recently hired host receives every guest"),
        )

    @hookimpl
    def frontdesk_visit_recorded(self, event: Any) -> Any:
        if event.site.business_line != self.code:
            return None
        return self._record(event)

    async def _record(self, event: Any) -> None:
        self.recorded.append((event.visit.id, event.outcome.reason.rule))
        await record_event(
            event.session,
            stream="teahouse",
            type="teahouse.seated",
            now=event.now,
            site_id=event.site.id,
            subject_id=event.visit.id,
            payload={},
        )


class EstatePolicy:
    """frontdesk_complaint_policy for its own line only."""

    code = "estates"

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return _info(self.code, business_line=self.code)

    @hookimpl
    def frontdesk_complaint_policy(self, site: Site, complaint: dict[str, Any]) -> Any:
        if site.business_line != self.code:
            return None
        major = complaint.get("households", 1) >= 3
        return ComplaintPolicy(
            severity="major" if major else "general",
            reason=Reason("PM-4", "collective complaint") if major else Reason("C-8", "general"),
            resolution_working_days=1 if major else 3,
            notify_immediately=major,
        )


# --- switching a line on and off ---------------------------------------------------------

ROTATION = "query($s: ID!) { rotation(siteId: $s) { siteId members { name receptions } } }"
VISIT_RE = "query($v: ID!) { visit(id: $v) { id realestate { madeUpTurn newRegistration } } }"
CHECK_IN_RE = """mutation($s: ID!) {
  checkInVisit(input: {siteId: $s, realestate: {firstVisit: true}}) { visit { id } userErrors {
    field message code } } }"""


async def test_disabled_line_fields_stay_in_the_schema_and_answer_LINE_DISABLED(
    launch: Launch,
) -> None:
    """Issue 17 (a stable schema per installation): what realestate adds through
    frontdesk_graphql_queries, frontdesk_graphql_mutations, frontdesk_graphql_type_fields and
    frontdesk_graphql_input_fields is in the schema whether the line is enabled or not; while
    it is off, its fields answer null with LINE_DISABLED and its mutations a LINE_DISABLED
    user error, without running.  Enabling it needs no restart and changes no SDL."""
    fd = await launch(enable=())
    client = Client(fd)
    sdl = fd.schema.as_str()
    assert str(fd.schema._schema.query_type.fields["rotation"].args["siteId"].type) == "ID!"
    assert "setRotationOrder" in sdl
    assert "realestate: RealEstateReception" in sdl  # Visit.realestate
    assert "realestate: RealEstateVisitFactsInput" in sdl  # CheckInVisitInput.realestate
    rotation = await client.execute(ROTATION, {"s": "1"})
    assert rotation.data == {"rotation": None}
    assert rotation.errors[0].extensions["code"] == "LINE_DISABLED"
    error = await client.error(CHECK_IN_RE, {"s": "1"})
    assert error.extensions["code"] == "LINE_DISABLED"
    assert error.extensions["field"] == ["input", "realestate"]
    plugins = await client.data("{ plugins { code enabled } }")
    assert {"code": "realestate", "enabled": False} in plugins["plugins"]

    assert await _enable(fd, "realestate") == {"realestate"}

    assert fd.schema.as_str() == sdl
    site = await make_site(client)
    await add_staff(client, site, "Li")
    visit = (await client.data(CHECK_IN_RE, {"s": site}))["checkInVisit"]["visit"]
    data = await client.data(VISIT_RE, {"v": visit["id"]})
    assert data["visit"]["realestate"] == {"madeUpTurn": False, "newRegistration": True}
    rotation = await client.data(ROTATION, {"s": site})
    assert rotation["rotation"]["members"] == [{"name": "Li", "receptions": 1}]
    plugins = await client.data("{ plugins { code enabled } }")
    assert {"code": "realestate", "enabled": True} in plugins["plugins"]


async def test_disabling_a_line_keeps_all_its_rows(fd: Frontdesk, client: Client) -> None:
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    wang = await add_staff(client, site, "Wang")
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    first = await check_in(client, site, customerId=customer["id"])
    await check_in(client, site)
    async with fd.write() as s:
        s.add(
            OrderGrab(
                site_id=legacy(site),
                visit_id=legacy(first["visit"]["id"]),
                grabber_id=legacy(li),
                named_id=legacy(wang),
                suspended_until=date(2026, 11, 25),
                reported_at=FIXED_NOW,
            )
        )
    models = (Site, Staff, Visit, RotationDay, VisitReception, OrderGrab)
    before = {m.__name__: await _count(fd, m) for m in models}
    assert all(before.values()), before

    assert await _enable(fd, "realestate", False) == frozenset()

    assert {m.__name__: await _count(fd, m) for m in models} == before
    assert "realestate: RealEstateReception" in fd.schema.as_str()  # issue 17: stable
    answer = await client.execute(VISIT_RE, {"v": first["visit"]["id"]})
    assert answer.data["visit"]["realestate"] is None
    assert answer.errors[0].extensions["code"] == "LINE_DISABLED"
    # A disabled line's site refuses check-ins, and writes nothing.
    error = await client.error(
        "mutation($s: ID!) { checkInVisit(input: {siteId: $s}) { visit { id } userErrors { field "
        "message code } } }",
        {"s": site},
    )
    assert error.extensions["code"] == "BUSINESS_LINE_DISABLED"
    assert await _count(fd, Visit) == before["Visit"]

    # Switched back on, the kept rows are served again.
    await _enable(fd, "realestate")
    data = await client.data(VISIT_RE, {"v": first["visit"]["id"]})
    assert data["visit"]["realestate"]["newRegistration"] is True


async def test_create_site_for_a_disabled_line_fails_and_writes_nothing(launch: Launch) -> None:
    fd = await launch(enable=())
    client = Client(fd)
    events, sites = await _count(fd, Event), await _count(fd, Site)
    error = await client.error(CREATE_SITE, {"name": "Sunrise", "line": "realestate"})
    assert error.extensions["code"] == "BUSINESS_LINE_DISABLED"
    assert "frontdesk plugins enable realestate" in error.message
    assert (await _count(fd, Event), await _count(fd, Site)) == (events, sites) == (0, 0)
    error = await client.error(CREATE_SITE, {"name": "Sunrise", "line": "nosuchline"})
    assert error.extensions["code"] == "UNKNOWN_BUSINESS_LINE"


async def test_enabling_an_unknown_plugin_fails_with_UNKNOWN_PLUGIN(fd: Frontdesk) -> None:
    states = await _count(fd, PluginState)
    with pytest.raises(NotFound) as excinfo:
        async with fd.write() as s:
            await set_plugin_enabled(s, fd.host, "nosuch", True, FIXED_NOW)
    assert excinfo.value.code == "UNKNOWN_PLUGIN"
    assert "realestate" in excinfo.value.message
    assert await _count(fd, PluginState) == states


# --- third-party plugins -----------------------------------------------------------------


async def test_third_party_type_field_and_type_appear_when_enabled(launch: Launch) -> None:
    fd = await launch(WeatherPlugin("weather_a"))
    client = Client(fd)
    assert "weather_a" in fd.host.installed
    # Issue 17: installed is enough for the schema; enabled decides whether it answers.
    sdl = fd.schema.as_str()
    assert "weather: String!" in sdl
    assert "type WeatherReport" in sdl  # frontdesk_graphql_types

    await _enable(fd, "weather_a")
    assert fd.schema.as_str() == sdl
    site = await make_site(client)
    await add_staff(client, site, "Li")
    visit = (await check_in(client, site))["visit"]["id"]
    data = await client.data("query($v: ID!) { visit(id: $v) { weather } }", {"v": visit})
    assert data["visit"]["weather"] == f"sunny over visit {legacy(visit)}"

    await _enable(fd, "weather_a", False)
    error = await client.error("query($v: ID!) { visit(id: $v) { weather } }", {"v": visit})
    assert error.extensions["code"] == "LINE_DISABLED"


async def test_a_plugin_resolver_that_declares_no_needs_gets_every_column(launch: Launch) -> None:
    """frontdesk_graphql_type_fields: pages select only the columns a selection reads; a
    spliced resolver that does not declare ``needs(...)`` may read anything, so its page
    loads every column (and one that declares them gets just those)."""
    fd = await launch(WeatherPlugin("weather_b"), enable=("realestate", "weather_b"))
    client = Client(fd)
    site = await make_site(client)
    await add_staff(client, site, "Li")
    visit = (await check_in(client, site, partySize=3))["visit"]["id"]
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = fd.db.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        data = await client.data(
            "query($s: ID!) { visits(siteId: $s) { nodes { weather } } }", {"s": site}
        )
        wide = [s for s in seen if "FROM visits" in s][-1]
        seen.clear()
        await client.data("query($s: ID!) { visits(siteId: $s) { nodes { id } } }", {"s": site})
        narrow = [s for s in seen if "FROM visits" in s][-1]
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    assert data["visits"]["nodes"] == [{"weather": f"sunny over visit {legacy(visit)}"}]
    assert "visits.notes" in wide and "visits.party_size" in wide
    assert "visits.notes" not in narrow and "visits.party_size" not in narrow


class TunablePlugin:
    """frontdesk_validate_settings: takes one key, ``greeting``, stored stripped."""

    def __init__(self, code: str) -> None:
        self.code = code

    @hookimpl
    def frontdesk_plugin_info(self) -> PluginInfo:
        return _info(self.code)

    @hookimpl
    def frontdesk_validate_settings(
        self, plugin: str, settings: dict[str, Any]
    ) -> dict[str, Any] | None:
        if plugin != self.code:
            return None
        unknown = sorted(set(settings) - {"greeting"})
        if unknown:
            raise ValueError(f"unknown key(s): {', '.join(unknown)}")
        return {k: str(v).strip() for k, v in settings.items()}


CONFIGURE = """mutation($code: String!, $settings: JSON!) {
  configurePlugin(input: {code: $code, settings: $settings}) { plugin { code enabled settings }
    userErrors { field message code } } }"""


async def test_frontdesk_validate_settings_normalises_or_refuses(launch: Launch) -> None:
    fd = await launch(TunablePlugin("tunable"), WeatherPlugin("weather_c"))
    client = Client(fd)
    # Configurable while disabled; stored as the plugin normalised it.
    data = await client.data(CONFIGURE, {"code": "tunable", "settings": {"greeting": " hi "}})
    assert data["configurePlugin"]["plugin"] == {
        "code": "tunable",
        "enabled": False,
        "settings": {"greeting": "hi"},
    }
    err = await client.error(CONFIGURE, {"code": "tunable", "settings": {"colour": "red"}})
    assert err.extensions["code"] == "INVALID_SETTINGS" and "colour" in err.message
    # A plugin without the hook takes no settings.
    err = await client.error(CONFIGURE, {"code": "weather_c", "settings": {"city": "Shanghai"}})
    assert err.extensions["code"] == "INVALID_SETTINGS"
    assert "weather_c takes no settings" in err.message
    err = await client.error(CONFIGURE, {"code": "nosuch", "settings": {}})
    assert err.extensions["code"] == "UNKNOWN_PLUGIN"
    # Only an administrator configures plugins (C-13).
    from core.auth import Actor, Role

    clerk = Client(fd, actor=Actor(role=Role.CLERK, name="clerk"))
    err = await clerk.error(CONFIGURE, {"code": "tunable", "settings": {"greeting": "yo"}})
    assert err.extensions["code"] == "FORBIDDEN"
    plugins = (await client.data("query { plugins { code settings } }"))["plugins"]
    settings = {p["code"]: p["settings"] for p in plugins}
    assert settings["tunable"] == {"greeting": "hi"} and settings["weather_c"] == {}
    # Enabling keeps the settings.
    await _enable(fd, "tunable")
    async with fd.db.session() as s:
        assert (await s.get(PluginState, "tunable")).settings == {"greeting": "hi"}


def test_two_plugins_adding_one_field_is_a_SCHEMA_FIELD_CLASH_naming_both() -> None:
    host = PluginHost(
        create_plugin_manager(extra=[WeatherPlugin("clash_one"), WeatherPlugin("clash_two")])
    )
    # Issue 17: every installed plugin's fields are in the schema, enabled or not, so two
    # installed plugins claiming one field clash whichever is enabled.
    host.set_enabled({"clash_one"})
    with pytest.raises(PluginError) as excinfo:
        build_schema(host)
    assert excinfo.value.code == "SCHEMA_FIELD_CLASH"
    assert "Visit.weather" in excinfo.value.message
    assert "clash_one" in excinfo.value.message and "clash_two" in excinfo.value.message


def test_a_plugin_field_clashing_with_a_core_field_is_refused() -> None:
    class Shadow:
        @hookimpl
        def frontdesk_plugin_info(self) -> PluginInfo:
            return _info("shadow")

        @hookimpl
        def frontdesk_graphql_type_fields(self) -> dict[str, list[Any]]:
            return {"Visit": [strawberry.field(resolver=lambda: True, name="counted")]}

    host = PluginHost(create_plugin_manager(extra=[Shadow()]), enabled={"shadow"})
    with pytest.raises(PluginError) as excinfo:
        build_schema(host)
    assert excinfo.value.code == "SCHEMA_FIELD_CLASH"
    assert "core" in excinfo.value.message and "shadow" in excinfo.value.message


def test_a_misspelled_hook_fails_at_create_plugin_manager() -> None:
    class Typo:
        @hookimpl
        def frontdesk_plugin_info(self) -> PluginInfo:
            return _info("typo")

        @hookimpl
        def frontdesk_penalty_tabel(self, business_line: str) -> list:
            return []

    with pytest.raises(pluggy.PluginValidationError, match="frontdesk_penalty_tabel"):
        create_plugin_manager(extra=[Typo()])


def test_a_plugin_must_describe_itself_with_frontdesk_plugin_info() -> None:
    class Anonymous:
        @hookimpl
        def frontdesk_graphql_types(self) -> list[type]:
            return []

    with pytest.raises(PluginError, match="frontdesk_plugin_info"):
        create_plugin_manager(extra=[Anonymous()])


def test_two_plugins_claiming_one_code_is_an_error() -> None:
    with pytest.raises(PluginError, match="two plugins claim the code 'twin'"):
        create_plugin_manager(extra=[WeatherPlugin("twin"), WeatherPlugin("twin")])

    class FakeRealestate:
        @hookimpl
        def frontdesk_plugin_info(self) -> PluginInfo:
            return _info("realestate", business_line="realestate")

    with pytest.raises(PluginError, match="realestate"):
        create_plugin_manager(extra=[FakeRealestate()])


def test_builtins_and_entry_points_take_one_register_path() -> None:
    from importlib.metadata import entry_points

    import plugins.realestate.hooks as realestate_hooks

    [ep] = [ep for ep in entry_points(group="frontdesk") if ep.name == "realestate"]
    assert ep.value == "plugins.realestate.hooks"
    # Without built-ins the installed package's entry point still brings the line in.
    via_entry_point = create_plugin_manager(builtins=False)
    assert via_entry_point.get_plugin("realestate") is realestate_hooks
    # With both, the module is registered once, under its code.
    both = create_plugin_manager()
    assert [n for n, p in both.list_name_plugin() if p is realestate_hooks] == ["realestate"]
    # Neither: no plugins at all, and the host still works.
    bare = PluginHost(create_plugin_manager(builtins=False, entry_points_group=None))
    assert bare.installed == {}
    assert "rotation(" not in build_schema(bare).as_str()


# --- one focused test per hook -----------------------------------------------------------


async def test_frontdesk_business_date_lets_a_line_move_the_business_day(launch: Launch) -> None:
    fd = await launch(NightlifeLine(), enable=("realestate", "nightlife"))
    client = Client(fd)
    venue = await make_site(client, "Starlight KTV", "nightlife")
    host = await add_staff(client, venue, "Xiao Mei", "host")
    office = await make_site(client, "Sunrise Sales Office")
    await add_staff(client, office, "Li")
    query = """mutation($s: ID!, $r: ID, $at: DateTime) {
      checkInVisit(input: {siteId: $s, receiverId: $r, arrivedAt: $at}) {
        visit { businessDate receiver { id } } decision { rule } userErrors { field message code
          } } }"""
    late = "2026-11-24T01:30:00+08:00"
    data = await client.data(query, {"s": venue, "r": host, "at": late})
    assert data["checkInVisit"]["visit"] == {"businessDate": "2026-11-23", "receiver": {"id": host}}
    assert data["checkInVisit"]["decision"]["rule"] == "C-4"  # no reception rules: desk choice
    data = await client.data(query, {"s": venue, "r": host, "at": "2026-11-24T09:30:00+08:00"})
    assert data["checkInVisit"]["visit"]["businessDate"] == "2026-11-24"
    # Not its site: it answers None and the real-estate line's own answer stands.
    data = await client.data(query, {"s": office, "at": late})
    assert data["checkInVisit"]["visit"]["businessDate"] == "2026-11-24"


async def test_frontdesk_receive_visit_and_frontdesk_visit_recorded(launch: Launch) -> None:
    line = TeahouseLine()
    fd = await launch(line, enable=("teahouse",))
    client = Client(fd)
    site = await make_site(client, "Jade Teahouse", "teahouse")
    await add_staff(client, site, "Old Zhou", "host")
    newest = await add_staff(client, site, "Young Lin", "host")
    query = """mutation($s: ID!, $n: Int!) { checkInVisit(input: {siteId: $s, partySize: $n}) {
      visit { id counted receiver { id } } decision { rule } userErrors { field message code } }
        }"""
    data = (await client.data(query, {"s": site, "n": 2}))["checkInVisit"]
    assert data["visit"]["receiver"]["id"] == newest
    assert data["visit"]["counted"] is True
    assert data["decision"]["rule"] == "TH-1"
    assert line.recorded == [(legacy(data["visit"]["id"]), "TH-1")]
    seated = await _count(fd, Event)

    error = await client.error(query, {"s": site, "n": 9})
    assert error.extensions["code"] == "TEAHOUSE_FULL"  # typed: frontdesk_error_codes
    assert "TEAHOUSE_FULL" in fd.schema._schema.type_map["VisitErrorCode"].values
    assert await _count(fd, Visit) == 1 and await _count(fd, Event) == seated
    assert len(line.recorded) == 1


async def test_frontdesk_attribute_sale_through_saleAttribution(client: Client) -> None:
    """The realestate line answers frontdesk_attribute_sale for its sites (RE-13)."""
    site = await make_site(client)
    li = await add_staff(client, site, "Li")
    wang = await add_staff(client, site, "Wang")
    customer = await register(client, site, "Sun Hao", phone="13800138001")
    visit = await check_in(client, site, customerId=customer["id"])
    assert visit["visit"]["receiver"]["id"] == li
    query = """query($s: ID!, $c: ID!, $by: ID!, $at: DateTime!) {
      saleAttribution(siteId: $s, customerId: $c, closedById: $by, soldAt: $at) {
        shares { staffId share } decision { rule message } } }"""
    sold_at = (FIXED_NOW + timedelta(hours=2)).isoformat()
    data = await client.data(query, {"s": site, "c": customer["id"], "by": wang, "at": sold_at})
    result = data["saleAttribution"]
    # RE-13: credit goes by the name in the register, not to whoever closed.
    assert [s["staffId"] for s in result["shares"]] == [li]
    assert Decimal(result["shares"][0]["share"]) == 1
    assert result["decision"]["rule"] == "RE-13"
    assert result["decision"]["message"]


async def test_frontdesk_penalty_table_is_synced_when_the_line_is_enabled(launch: Launch) -> None:
    fd = await launch(enable=())
    client = Client(fd)
    query = 'query { penaltyRules(businessLine: "realestate") { nodes { code rule kind active } } }'
    assert (await client.data(query))["penaltyRules"]["nodes"] == []

    await _enable(fd, "realestate")

    rules = (await client.data(query))["penaltyRules"]["nodes"]
    assert {"code": "RE-5", "rule": "RE-5", "kind": "SUSPENSION", "active": True} in rules
    assert {r["rule"] for r in rules} >= {"RE-5", "C-14"}
    # The table answered by the hook is the one synced.
    table = fd.host.call_line(
        "realestate", "frontdesk_penalty_table", business_line="realestate", settings={}
    )
    # The line's own entries plus core's C-14 entries (issue 7: core owns C-14).
    assert {r["code"] for r in rules} == {spec.code for spec in table} | set(CORE_CODES)
    # Line dispatch: a line nobody owns has no table, whatever the installed lines answer.
    no_owner = fd.host.call_line(
        "nosuchline", "frontdesk_penalty_table", business_line="nosuchline", settings={}
    )
    assert no_owner is None


async def test_frontdesk_event_is_called_after_commit(launch: Launch) -> None:
    recorder, quiet = EventRecorder("recorder"), EventRecorder("quiet")
    fd = await launch(recorder, quiet, enable=("realestate", "recorder"))
    recorder.app = quiet.app = fd
    client = Client(fd)
    site = await make_site(client)
    await add_staff(client, site, "Li")
    recorder.heard.clear()
    visit = (await check_in(client, site))["visit"]["id"]
    assert ("visit.checked_in", legacy(visit), True) in recorder.heard
    assert all(committed for _, _, committed in recorder.heard)
    heard = len(recorder.heard)

    error = await client.error(
        'mutation { checkInVisit(input: {siteId: "999"}) { visit { id } '
        "userErrors { field message code } } }"
    )
    assert error.extensions["code"] == "SITE_NOT_FOUND"
    assert len(recorder.heard) == heard  # a failed mutation publishes nothing
    assert quiet.heard == []  # a disabled plugin hears nothing


async def test_frontdesk_graphql_subscriptions_adds_root_subscription_fields(
    launch: Launch,
) -> None:
    fd = await launch(TickerPlugin("ticker"), enable=())
    assert "ticks(count: Int! = 2): Int!" in fd.schema.as_str()  # issue 17: installed
    off = await fd.schema.subscribe(
        "subscription { ticks(count: 3) }",
        context_value=Context(app=fd, fixed_now=FIXED_NOW, actor=ADMIN),
    )
    [refused] = [r async for r in off]
    assert refused.errors[0].extensions["code"] == "LINE_DISABLED"
    await _enable(fd, "ticker")
    sdl = fd.schema.as_str()
    assert "type Subscription" in sdl
    assert "ticks(count: Int! = 2): Int!" in sdl
    stream = await fd.schema.subscribe(
        "subscription { ticks(count: 3) }",
        context_value=Context(app=fd, fixed_now=FIXED_NOW, actor=ADMIN),
    )
    assert not isinstance(stream, PreExecutionError), stream.errors
    values = [r.data["ticks"] async for r in stream]
    assert values == [0, 1, 2]
    # A plugin's root field is guarded like core's (C-13), without a check of its own.
    anonymous = await fd.schema.subscribe(
        "subscription { ticks }", context_value=Context(app=fd, fixed_now=FIXED_NOW)
    )
    # Transports iterate the result: the refusal is its first and only item.
    [refusal] = [r async for r in anonymous]
    assert isinstance(refusal, PreExecutionError)
    assert refusal.errors[0].extensions["code"] == "UNAUTHENTICATED"


def test_frontdesk_complaint_policy_is_answered_through_the_host() -> None:
    host = PluginHost(create_plugin_manager(extra=[EstatePolicy()]))
    ours = Site(
        name="Harbour View",
        business_line="estates",
        timezone="Asia/Shanghai",
        calendar_region="CN",
        created_at=FIXED_NOW,
    )
    other = Site(
        name="Sunrise",
        business_line="realestate",
        timezone="Asia/Shanghai",
        calendar_region="CN",
        created_at=FIXED_NOW,
    )
    # Disabled: left out of the call.
    assert (
        host.call_line(
            ours.business_line, "frontdesk_complaint_policy", site=ours, complaint={"households": 4}
        )
        is None
    )
    host.set_enabled({"estates", "realestate"})
    policy = host.call_line(
        ours.business_line, "frontdesk_complaint_policy", site=ours, complaint={"households": 4}
    )
    assert isinstance(policy, ComplaintPolicy)
    assert (policy.severity, policy.reason.rule, policy.resolution_working_days) == (
        "major",
        "PM-4",
        1,
    )
    assert policy.notify_immediately is True
    policy = host.call_line(
        ours.business_line, "frontdesk_complaint_policy", site=ours, complaint={"households": 1}
    )
    assert (policy.severity, policy.first_response) == ("general", timedelta(hours=24))
    assert (
        host.call_line(other.business_line, "frontdesk_complaint_policy", site=other, complaint={})
        is None
    )


FILE_COMPLAINT = """mutation($s: ID!, $by: ID!, $n: Int) {
  fileComplaint(input: {siteId: $s, channel: IN_PERSON, category: "service", households: $n,
                        description: "no hot water", customerName: "Wu", actingStaffId: $by}) {
    complaint { severity } decision { rule } userErrors { field message code } } }"""


async def test_frontdesk_complaint_policy_decides_severity_of_a_filed_complaint(
    launch: Launch,
) -> None:
    fd = await launch(EstatePolicy(), enable=("realestate", "estates"))
    client = Client(fd)
    estate = await make_site(client, "Harbour View", "estates")
    desk = await add_staff(client, estate, "Xiao Zhang", "front_desk")
    data = (await client.data(FILE_COMPLAINT, {"s": estate, "by": desk, "n": 4}))["fileComplaint"]
    assert data == {
        "complaint": {"severity": "MAJOR"},
        "decision": {"rule": "PM-4"},
        "userErrors": [],
    }
    data = (await client.data(FILE_COMPLAINT, {"s": estate, "by": desk, "n": 1}))["fileComplaint"]
    assert data["complaint"]["severity"] == "GENERAL"
    # Another line's site: the plugin answers None and core's defaults apply.
    office = await make_site(client, "Sunrise Sales Office")
    clerk = await add_staff(client, office, "Li", "front_desk")
    data = (await client.data(FILE_COMPLAINT, {"s": office, "by": clerk, "n": 4}))["fileComplaint"]
    assert data["complaint"]["severity"] == "GENERAL"
    assert data["decision"]["rule"] != "PM-4"
