"""The `cidr` filter: whether an event's addresses fall in given networks (then add_tag etc. apply).

`address` and `network` may be sprintf templates; `network_path` names a file of networks, one
per `separator`, re-read every `refresh_interval` seconds when it changed. IPv4 addresses are
only in IPv4 networks, IPv6 in IPv6 ones. An address that does not parse simply does not match.
"""

from __future__ import annotations

import ipaddress
import os
import time
from pydantic import ConfigDict

from ..errors import ConfigError
from ..event import Event, Template
from .base import Filter, FilterOptions, Path, StrList

__all__ = ["CidrFilter"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


class CidrOptions(FilterOptions):
    """cidr's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    address: StrList = []
    network: StrList = []
    network_path: str | None = None
    separator: str = "\n"
    refresh_interval: int = 600


class CidrFilter(Filter):
    """Logstash's `cidr`."""

    name = "cidr"
    Options = CidrOptions
    __slots__ = ("_address", "_network", "_constant", "_path", "_sep", "_interval", "_next", "_mtime", "_file_nets")

    def _compile(self, options: CidrOptions) -> None:
        if options.network and options.network_path:
            raise ConfigError("cidr: give `network` or `network_path`, not both", option="network_path")
        self._address = tuple(Template(a) for a in options.address)
        self._network = tuple(Template(n) for n in options.network)
        constant = None
        if all(t.constant for t in self._network):
            constant = []
            for t in self._network:
                net = _network(t.text)
                if net is None:
                    raise ConfigError(f"cidr: {t.text!r} is no network (write 10.0.0.0/8 or 2001:db8::/32)",
                                      option="network")
                constant.append(net)
        self._constant = tuple(constant) if constant is not None else None
        self._path, self._sep, self._interval = options.network_path, options.separator, options.refresh_interval
        self._mtime, self._next, self._file_nets = 0.0, 0.0, ()
        if self._path:
            self._load()

    def _writes(self) -> set[Path]:
        return set()

    def _load(self) -> None:
        try:
            self._mtime = os.stat(self._path).st_mtime
            with open(self._path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            if not self._file_nets:
                raise ConfigError(f"cidr: cannot read network_path {self._path!r}: {exc}", option="network_path") from None
            return
        nets = [_network(part) for part in text.split(self._sep) if part.strip() and not part.lstrip().startswith("#")]
        self._file_nets = tuple(n for n in nets if n is not None)
        self._next = time.monotonic() + self._interval

    def _networks(self, event: Event) -> tuple[Network, ...]:
        if self._path:
            if time.monotonic() >= self._next:
                self._next = time.monotonic() + self._interval
                try:
                    if os.stat(self._path).st_mtime != self._mtime:
                        self._load()
                except OSError:
                    pass
            return self._file_nets
        if self._constant is not None:
            return self._constant
        nets = []
        for t in self._network:
            for part in _rendered(t, event):
                net = _network(part)
                if net is not None:
                    nets.append(net)
        return tuple(nets)

    def apply(self, event: Event) -> bool:
        networks = self._networks(event)
        if not networks:
            return False
        for t in self._address:
            for text in _rendered(t, event):
                try:
                    ip = ipaddress.ip_address(text.strip())
                except ValueError:
                    continue
                for net in networks:
                    if ip.version == net.version and ip in net:
                        return True
        return False



def _rendered(template: Template, event: Event) -> list[str]:
    """A template's text, as the one address or network it names."""
    return [template.render(event)]
