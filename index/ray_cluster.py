"""Joining a Ray cluster from the process that builds or routes, with the workers' environment set."""

from __future__ import annotations

import os

from precedent.errors import PrecedentError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def connect(address: str, threads: int = 1):
    """`ray`, connected to the cluster at `address`; workers get explicit thread counts and offline model loading.

    Ray rewrites a loopback address to the machine's outward IP, which a cluster started with
    `--node-ip-address 127.0.0.1` does not listen on; for such an address it is told to stay on loopback.
    """
    import ray
    import ray._private.ray_constants as constants

    if address.rsplit(":", 1)[0].strip("[]") in LOOPBACK:
        constants.ENABLE_RAY_CLUSTER = False  # Ray's own switch for "resolve the node's IP as loopback"
    if ray.is_initialized():
        return ray
    env = {name: str(threads) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env["HF_HUB_OFFLINE"] = os.environ.get("HF_HUB_OFFLINE", "1")
    for name in ("PRECEDENT_FAST_EMBED", "HOME"):
        if name in os.environ:
            env[name] = os.environ[name]
    try:
        ray.init(address=address, runtime_env={"env_vars": env}, log_to_driver=False, logging_level="ERROR")
    except (ConnectionError, RuntimeError, ValueError) as err:
        raise PrecedentError(
            f"cannot reach a Ray cluster at {address} ({err}); start one with `ray start --head` and pass its address"
        ) from err
    return ray
