"""Saves killed with SIGKILL at random points (issue 13), and every third kill aimed
between the two files of an export: the destination is always a complete file of
one version, an export pair either matches or is refused (never loads mismatched),
and the next save leaves no temporary behind."""

import os
import random
import signal
import time

import numpy as onp
import pytest

import d2lmini
from d2lmini import gluon, graphfile, np
from d2lmini.gluon import nn

KILLS = 12


def make_net():
    net = nn.HybridSequential()
    net.add(nn.Dense(1000, in_units=1000), nn.Dense(10, in_units=1000))
    return net


def saver(net, first, once=False, aim=False):
    """A child process (forked: a later process than any killed one) that saves
    versions first, first+1, ... of `net` (4 MB, every value the version number)
    as parameters and as an export pair, printing each version once saved.

    aim: after the first version, export prints 'between' once the parameter
    file is replaced and waits before writing the graph, for a kill right there."""
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, os.fdopen(read)
    os.close(read)
    try:
        for version in range(first, first + (1 if once else 10**6)):
            for p in net.collect_params().values():
                p.set_data(np.full(p.shape, float(version)))
            net.save_parameters("net.params")
            net.export("net")
            os.write(write, f"{version}\n".encode())
            if aim:
                real = graphfile.save_text

                def late(path, text):
                    os.write(write, b"between\n")
                    time.sleep(5)
                    real(path, text)

                graphfile.save_text, aim = late, False
    finally:
        os._exit(0)


def version_of(params):
    """The one version number all parameters hold (a mix fails the test)."""
    found = {float(f(p.data().asnumpy())) for p in params.values()
             for f in (onp.min, onp.max)}
    assert len(found) == 1, found
    return found.pop()


def temporaries(folder):
    return [n for n in os.listdir(folder) if n.startswith(".d2lmini-")]


def imported():
    return gluon.SymbolBlock.imports("net-symbol.json", "x", "net-0000.params")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")
def test_killed_saves_leave_complete_files_and_no_litter(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = random.Random(13)
    net = make_net()
    net.initialize()
    net.hybridize()
    net(np.ones((1, 1000)))
    pid, out = saver(net, 0, once=True)
    assert out.read() == "0\n" and os.waitpid(pid, 0)
    outcomes = {"pair loads": 0, "pair refused": 0, "temporaries left": 0}
    start = 1
    for kill in range(KILLS):
        aimed = kill % 3 == 2  # every third kill lands between the export's files
        began = time.time()
        pid, out = saver(net, start, aim=aimed)
        assert out.readline() == f"{start}\n"  # one full save: now kill mid-way
        # That save, by a process started after the last kill, removed every
        # temporary the killed one left: what remains is its own, newer work.
        assert all(os.stat(n).st_mtime >= began - 0.05
                   for n in temporaries(".")), temporaries(".")
        if aimed:
            assert out.readline() == "between\n"
        else:
            time.sleep(rng.uniform(0, 0.2))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        done = [w for w in out.read().split() if w != "between"]
        out.close()
        last = int(done[-1]) if done else start
        clone = make_net()
        clone.load_parameters("net.params")
        assert start <= version_of(clone.collect_params()) <= last + 1
        try:
            clone = imported()
            assert start <= version_of(clone.collect_params()) <= last + 1
            assert clone(np.ones((1, 1000))).shape == (1, 10)
            outcomes["pair loads"] += 1
            assert not aimed
        except d2lmini.FileFormatError as exc:
            assert "not the parameter file exported" in str(exc)
            outcomes["pair refused"] += 1
        outcomes["temporaries left"] += bool(temporaries("."))
        start = last + 2
    time.sleep(0.01)
    pid, out = saver(net, start, once=True)
    assert out.read() == f"{start}\n" and os.waitpid(pid, 0)
    assert temporaries(".") == []
    assert version_of(imported().collect_params()) == start
    print(f"\n{KILLS} kills: {outcomes}")
