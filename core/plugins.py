"""The plugin host: a pluggy manager built in a function, never at import time.

Built-in business lines are plain modules listed in :data:`DEFAULT_PLUGINS` and registered
through the same ``pm.register`` as third-party packages found under the ``frontdesk``
entry-point group.  ``pm.check_pending()`` makes a misspelled hook fail at start-up.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import pluggy

from core import hookspecs
from core.contracts import MigrationBranch, PluginInfo
from core.errors import PluginError

ENTRY_POINT_GROUP = "frontdesk"

# Built-in lines go through the very path third-party plugins take.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "plugins.realestate.hooks",
    "plugins.fitnessclub.hooks",
    "plugins.property.hooks",
    "plugins.ktv.hooks",
)


def create_plugin_manager(
    *,
    builtins: bool = True,
    entry_points_group: str | None = ENTRY_POINT_GROUP,
    extra: Iterable[Any] = (),
) -> pluggy.PluginManager:
    """A fresh plugin manager with the hook specs, built-ins, entry points and ``extra``."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if builtins:
        for module_name in DEFAULT_PLUGINS:
            module = importlib.import_module(module_name)
            _register(pm, module)
    if entry_points_group:
        for ep in entry_points(group=entry_points_group):
            if pm.get_plugin(ep.name) is not None or pm.has_plugin(ep.name):
                continue
            module = ep.load()
            if pm.is_registered(module):
                continue
            _register(pm, module, name=ep.name)
    for plugin in extra:
        _register(pm, plugin)
    pm.check_pending()
    return pm


def _register(pm: pluggy.PluginManager, plugin: Any, name: str | None = None) -> None:
    info = _info_of(plugin)
    name = info.code if info is not None else name
    if info is None:
        raise PluginError(
            f"plugin {plugin!r} does not implement frontdesk_plugin_info; every plugin must "
            "describe itself"
        )
    if pm.get_plugin(name) is not None:
        raise PluginError(f"two plugins claim the code {name!r}")
    if info.business_line is not None:
        for other_name, other in pm.list_name_plugin():
            other_info = _info_of(other)
            if other_info is not None and other_info.business_line == info.business_line:
                raise PluginError(
                    f"plugins {other_name!r} and {name!r} both claim the business line "
                    f"{info.business_line!r}; a line has exactly one owner"
                )
    pm.register(plugin, name=name)


def _info_of(plugin: Any) -> PluginInfo | None:
    fn = getattr(plugin, "frontdesk_plugin_info", None)
    return fn() if callable(fn) else None


@dataclass(frozen=True)
class InstalledPlugin:
    info: PluginInfo
    plugin: Any
    migrations: MigrationBranch | None


class PluginHost:
    """The plugin manager plus which plugins are enabled, and hook calls limited to those."""

    def __init__(self, pm: pluggy.PluginManager, enabled: Iterable[str] = ()) -> None:
        self.pm = pm
        self.installed: dict[str, InstalledPlugin] = {}
        for name, plugin in pm.list_name_plugin():
            info = plugin.frontdesk_plugin_info()
            migrate = getattr(plugin, "frontdesk_migrations", None)
            self.installed[name] = InstalledPlugin(
                info=info, plugin=plugin, migrations=migrate() if callable(migrate) else None
            )
        self._enabled: frozenset[str] = frozenset()
        self._hooks: dict[str, Any] = {}
        self.set_enabled(enabled)

    @property
    def enabled(self) -> frozenset[str]:
        return self._enabled

    def set_enabled(self, enabled: Iterable[str]) -> None:
        enabled = frozenset(enabled)
        unknown = enabled - self.installed.keys()
        # A plugin enabled in the database but no longer installed is ignored, not fatal:
        # uninstalling a package must not take the platform down.
        self._enabled = enabled - unknown
        self._hooks = {}

    def business_lines(self) -> dict[str, InstalledPlugin]:
        return {p.info.business_line: p for p in self.installed.values() if p.info.business_line}

    def enabled_lines(self) -> set[str]:
        return {
            p.info.business_line
            for name, p in self.installed.items()
            if p.info.business_line and name in self._enabled
        }

    def hook(self, name: str) -> Any:
        """The hook caller for ``name`` limited to enabled plugins."""
        caller = self._hooks.get(name)
        if caller is None:
            disabled = [p.plugin for n, p in self.installed.items() if n not in self._enabled]
            caller = self.pm.subset_hook_caller(name, remove_plugins=disabled)
            self._hooks[name] = caller
        return caller

    def call(self, name: str, **kwargs: Any) -> Any:
        if name in hookspecs.LINE_HOOKS:
            raise PluginError(f"{name} concerns one business line: use call_line/acall_line")
        return self.hook(name)(**kwargs)

    # --- line dispatch ----------------------------------------------------------------------
    def line_owner(self, line: str | None, *, include_disabled: bool = False) -> Any | None:
        """The plugin object owning business line ``line`` (enabled only, unless asked)."""
        if line is None:
            return None
        for name, installed in self.installed.items():
            if installed.info.business_line == line and (include_disabled or name in self._enabled):
                return installed.plugin
        return None

    def _line_impl(self, line: str | None, name: str, include_disabled: bool) -> Any | None:
        if name not in hookspecs.LINE_HOOKS:
            raise PluginError(f"{name} is not a business-line hook; use call/acall")
        owner = self.line_owner(line, include_disabled=include_disabled)
        if owner is None:
            return None
        for impl in getattr(self.pm.hook, name).get_hookimpls():
            if impl.plugin is owner:
                return impl
        return None

    def call_line(
        self, line: str | None, name: str, *, include_disabled: bool = False, **kwargs: Any
    ) -> Any:
        """Call hook ``name`` on the plugin owning ``line`` only, synchronously.

        Other plugins are never asked, so nothing another line returns (a coroutine, a stray
        answer) can decide for this line's sites.  ``None`` when the line's plugin is not
        enabled or does not implement the hook.  An ``async def`` implementation is refused
        here: synchronous hooks must answer synchronously.
        """
        impl = self._line_impl(line, name, include_disabled)
        if impl is None:
            return None
        result = impl.function(*(kwargs[arg] for arg in impl.argnames))
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            raise PluginError(
                f"plugin {self.pm.get_name(impl.plugin)!r} answered {name} with an awaitable; "
                "this hook is synchronous",
                code="PLUGIN_CONTRACT_VIOLATION",
            )
        return result

    def chain(
        self,
        name: str,
        value: Any,
        *,
        line: str | None,
        include_disabled: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Reduce ``value`` through hook ``name`` (Saleor's previous-value chain): first the
        owner of ``line``, then every enabled plugin that is no business line, in registration
        order.  Each gets the previous value as the spec's first argument and returns a new
        one, or ``None`` to keep it.  Other lines are never asked."""
        owner = self.line_owner(line, include_disabled=include_disabled)
        argname = next(iter(getattr(self.pm.hook, name).spec.argnames))
        impls = getattr(self.pm.hook, name).get_hookimpls()  # registration order
        line_first = [i for i in impls if owner is not None and i.plugin is owner]
        company_wide = [
            i
            for i in impls
            if self.pm.get_name(i.plugin) in self._enabled
            and self.installed[self.pm.get_name(i.plugin)].info.business_line is None
        ]
        for impl in [*line_first, *company_wide]:
            args = {**kwargs, argname: value}
            result = impl.function(*(args[a] for a in impl.argnames))
            if result is not None:
                value = result
        return value

    async def acall_line(
        self, line: str | None, name: str, *, include_disabled: bool = False, **kwargs: Any
    ) -> Any:
        """Call hook ``name`` on the plugin owning ``line`` only; sync and async
        implementations alike (an awaitable answer is awaited)."""
        impl = self._line_impl(line, name, include_disabled)
        if impl is None:
            return None
        result = impl.function(*(kwargs[arg] for arg in impl.argnames))
        return await result if inspect.isawaitable(result) else result

    async def acall(self, name: str, **kwargs: Any) -> Any:
        """Call a hook whose implementations may return awaitables; await them in order."""
        if name in hookspecs.LINE_HOOKS:
            raise PluginError(f"{name} concerns one business line: use call_line/acall_line")
        result = self.hook(name)(**kwargs)
        if isinstance(result, list):
            out = []
            for item in result:
                out.append(await item if inspect.isawaitable(item) else item)
            return out
        if inspect.isawaitable(result):
            return await result
        return result


async def maybe_await(value: Awaitable[Any] | Any) -> Any:
    return await value if inspect.isawaitable(value) else value
