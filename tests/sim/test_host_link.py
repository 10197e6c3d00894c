"""Host link: a USB stick's input upload and output download, worked by hand."""
import dataclasses

import pytest

import accelsim
from accelsim.cli import main
from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile
from accelsim.sim.host_link import io_bytes
from accelsim.workload import Workload
from accelsim.workload.layers import Conv2d, Dense, Pool2d


def test_mobilenet_v2_fp16_over_usb2_by_hand():
    # input 3 x 224 x 224 fp16 = 301,056 B up, 1000 fp16 scores = 2,000 B down; a Pi 3 B+'s USB 2 moves
    # 35.5 MB/s (measured) and each of the 2 transfers waits one 125 us microframe:
    # 0.25 ms + 303,056 B / 35.5e6 B/s = 0.25 + 8.53679 = 8.78679 ms
    alone = accelsim.simulate("myriad2", "mobilenet_v2", precision="fp16", calibrated=False)
    usb2 = accelsim.simulate("myriad2", "mobilenet_v2", precision="fp16", calibrated=False, host_link="usb2")
    link = usb2.host_link
    assert (link.link, link.upload_bytes, link.download_bytes) == ("usb2", 301_056, 2_000)
    assert link.transfer_ms == pytest.approx(8.78679, abs=1e-5)
    assert usb2.latency_ms - alone.latency_ms == pytest.approx(8.78679, abs=1e-5)
    assert usb2.total_cycles == alone.total_cycles              # the unit's cycles do not change
    # while it waits the stick draws its static power: VPU leakage + LPDDR2 background (no always-on rail
    # listed); the input lands in DRAM and the output leaves it
    prof = load_profile("myriad2", calibrated=False)
    wait_mw = prof.unit("vpu").static_power_mw + prof.dram.background_power_mw
    hand_mj = wait_mw * 8.78679e-3 + (301_056 * prof.dram.write_pj_per_byte
                             + 2_000 * prof.dram.energy_pj_per_byte) * 1e-9
    assert usb2.energy_mj - alone.energy_mj == pytest.approx(hand_mj, rel=1e-5)
    assert usb2.energy_parts_mj()["host_link"] == pytest.approx(hand_mj, rel=1e-5)
    assert sum(usb2.energy_parts_mj().values()) == pytest.approx(usb2.energy_mj, rel=1e-12)
    assert usb2.to_dict()["host_link"]["transfer_ms"] == pytest.approx(8.78679, abs=1e-5)


def test_usb3_is_faster_and_default_is_the_profiles_link():
    runs = {k: accelsim.simulate("myriad2", "mobilenet_v1", precision="fp16", calibrated=False, host_link=k)
            for k in ("none", "usb2", "usb3", "default")}
    assert runs["none"].host_link is None and "host_link" not in runs["none"].to_dict()
    assert runs["default"].host_link.link == "usb3"
    # usb3: 0.25 ms + 303,056 B / 400e6 B/s = 1.00764 ms
    assert runs["usb3"].host_link.transfer_ms == pytest.approx(1.00764, abs=1e-5)
    assert runs["none"].latency_ms < runs["usb3"].latency_ms < runs["usb2"].latency_ms
    assert runs["none"].energy_mj < runs["usb3"].energy_mj < runs["usb2"].energy_mj


def test_graph_inputs_and_outputs_counted_by_brute_force():
    # two heads read the same trunk: both are graph outputs; the trunk is not
    wl = Workload("two_heads", (8, 16, 16), [
        Conv2d(name="trunk", out_channels=4, kernel=3, padding=1),
        Pool2d(name="pool", kind="avg", global_pool=True),
        Dense(name="head_a", out_features=10),
        Dense(name="head_b", out_features=7, inputs=("pool",)),
    ], precision="fp16")
    up, down = io_bytes(wl)
    assert up == 8 * 16 * 16 * 2 and down == (10 + 7) * 2
    assert io_bytes(wl.with_precision("int8")) == (8 * 16 * 16, 17)


def test_bad_links_are_refused():
    with pytest.raises(AccelsimError, match=r"host_link: got 'usb4'; allowed: usb2, usb3, default, none"):
        accelsim.simulate("myriad2", "mobilenet_v1", host_link="usb4")
    with pytest.raises(AccelsimError, match="has no host links"):
        accelsim.simulate("snapdragon855", "mobilenet_v1", host_link="usb2")
    with pytest.raises(AccelsimError, match="unit 'auto'"):
        accelsim.simulate("myriad2", "mobilenet_v1", unit="auto", host_link="usb2")
    assert main(["run", "--profile", "myriad2", "--workload", "mobilenet_v1", "--host-link", "usb4"]) == 2


def test_profile_links_are_checked():
    prof = load_profile("myriad2", calibrated=False)
    data = prof.model_dump()
    from accelsim.hardware.schema import Profile
    with pytest.raises(ValueError, match="host_link.default 'usb9'"):
        Profile.model_validate({**data, "host_link": {**data["host_link"], "default": "usb9"}})
    bad = dict(data["host_link"]["links"]["usb2"], source="nowhere")
    with pytest.raises(ValueError, match="unknown source id 'nowhere'"):
        Profile.model_validate({**data, "host_link": {**data["host_link"], "links": {"usb2": bad}, "default": "usb2"}})


def test_run_prints_the_links_share(capsys):
    assert main(["run", "--profile", "myriad2", "--workload", "mobilenet_v2", "--precision", "fp16",
                 "--host-link", "usb2"]) == 0
    assert "host link     usb2: 8.787 ms" in capsys.readouterr().out
