"""d2lmini/gluon/blocktree.py: block_places, the tree data that summary() and the
BlockTree widget both read."""

from d2lmini import gluon, np
from d2lmini.gluon import nn
from d2lmini.gluon.blocktree import block_places
from widgets import data


def repeated_net():
    """A block added twice, a container added twice, and a tied parameter."""
    net = nn.Sequential()
    twice = nn.Dense(4, in_units=4)
    inner = nn.Sequential()
    inner.add(nn.Dense(4, in_units=4), nn.Dense(4, in_units=4))
    tied = nn.Dense(4, in_units=4)
    tied.weight = twice.weight
    net.add(nn.Dense(4, in_units=2), twice, twice, inner, inner, tied)
    return net


def test_every_place_with_where_it_was_first_seen():
    net = repeated_net()
    places = block_places(net)
    assert [p.path for p in places] == ["", "0", "1", "2", "3", "3.0", "3.1", "4",
                                        "4.0", "4.1", "5"]
    assert [p.first for p in places] == ["", "0", "1", "1", "3", "3.0", "3.1", "3",
                                         "3.0", "3.1", "5"]
    assert [p.repeated for p in places] == [False] * 3 + [True] + [False] * 3 \
        + [True] * 3 + [False]
    assert [p.depth for p in places] == [0, 1, 1, 1, 1, 2, 2, 1, 2, 2, 1]
    assert places[5].key == "0" and places[0].key == "" and places[5].block is net[3][0]
    assert all(p.block is b for p, (_, b) in
               zip(places, net.named_blocks(remove_duplicate=False)))


def test_parameters_with_their_first_names():
    places = {p.path: p for p in block_places(repeated_net())}
    assert [(n, first) for n, _, first in places["1"].params] == [
        ("1.weight", "1.weight"), ("1.bias", "1.bias")]
    assert [(n, first) for n, _, first in places["2"].params] == [
        ("2.weight", "1.weight"), ("2.bias", "1.bias")]
    assert [(n, first) for n, _, first in places["5"].params] == [
        ("5.weight", "1.weight"), ("5.bias", "5.bias")]
    assert places["5"].params[0][1] is places["1"].params[0][1]


def test_summary_and_widget_tree_agree_with_block_places(capsys):
    net = repeated_net()
    net.initialize()
    net.summary(np.ones((1, 2)))
    printed = capsys.readouterr().out.splitlines()
    places = block_places(net)
    rows = printed[3:3 + len(places)]
    assert [r.split()[0] for r in rows] == ["(root)"] + [p.path for p in places[1:]]
    assert "Dense (same block as 1)" in rows[3]
    assert "Sequential (same block as 3)" in rows[7]
    assert printed[-3].startswith("Parameters: 76 (76 trainable")
    tree = data.block_tree(net)
    nodes = {n.path: n for n in tree.walk()}
    assert list(nodes) == ["", "0", "1", "2", "3", "3.0", "3.1", "4", "5"]
    assert nodes["4"].same_as == "3" and nodes["4"].children == []
    assert nodes["2"].same_as == "1"
    assert [p.shared_with for p in nodes["5"].params] == ["1.weight", None]
    assert tree.total == 76 == data.totals(tree).total


def test_constant_and_deferred_parameters():
    net = nn.Sequential()
    net.add(nn.Dense(3))
    net[0].c = gluon.Constant(np.ones((2,)))
    (place,) = block_places(net)[1:]
    assert [n for n, _, _ in place.params] == ["0.weight", "0.bias", "0.c"]
    assert place.params[0][1].shape == (3, -1)
    assert repr(place) == "BlockPlace('0', Dense)"
