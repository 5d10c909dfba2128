"""Serving a sharded index from a Ray cluster: one actor per shard holds its FAISS and BM25 indexes.

The router (`index.shards.ShardedIndex`, in the process that calls `search()`) asks the actors of the shards a
question's filters allow, in parallel, for their best ids and scores, then the winners' passages from the shards
holding them, and fuses them with the single-index code.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

SHARD_CPUS = 0.5
"""Logical CPUs each shard actor reserves: enough to spread shards over nodes, never all of a node."""

_live: dict[str, RayShards] = {}
"""The actors serving each index directory; a newer generation's replace (and stop) the older ones."""


@cache
def _actor_class():
    import ray
    from precedent.index.shards import Shard

    @ray.remote(num_cpus=SHARD_CPUS, max_restarts=3, max_task_retries=3)
    class ShardActor:
        """One shard loaded once; answers the router's `Shard.candidates` and `Shard.chunks`."""

        def __init__(self, gen: str, name: str, manifest: dict, threads: int):
            import faiss

            faiss.omp_set_num_threads(threads)
            self.shard = Shard.load(Path(gen), name, manifest)

        def candidates(self, *args):
            return self.shard.candidates(*args)

        def chunks(self, positions):
            return self.shard.chunks(positions)

        def best(self, *args):
            return self.shard.best(*args)

        def passages(self):
            return self.shard.passages()

        def documents(self):
            return self.shard.documents()

    return ShardActor


class RayShards:
    """The shard actors of one generation, started on the cluster at `address`."""

    def __init__(self, address: str, gen: Path, manifest: dict, threads: int = 1):
        from precedent.index.ray_cluster import connect

        ray = connect(address, threads)
        actor = _actor_class()
        self.actors = {
            s["name"]: actor.remote(str(gen), s["name"], manifest, threads) for s in manifest["shards"] if s["passages"]
        }
        ray.get([a.__ray_ready__.remote() for a in self.actors.values()])
        previous = _live.pop(str(gen.parent), None)
        if previous is not None:
            previous.close()
        _live[str(gen.parent)] = self

    def candidates(self, names: Sequence[str], *args) -> list:
        import ray

        return ray.get([self.actors[name].candidates.remote(*args) for name in names])

    def chunks(self, wanted: dict[str, list[int]]) -> list:
        import ray

        return ray.get([self.actors[name].chunks.remote(positions) for name, positions in wanted.items()])

    def best(self, names: Sequence[str], *args) -> list:
        import ray

        return ray.get([self.actors[name].best.remote(*args) for name in names])

    def passages(self) -> list:
        import ray

        return ray.get([a.passages.remote() for a in self.actors.values()])

    def documents(self) -> list:
        import ray

        return ray.get([a.documents.remote() for a in self.actors.values()])

    def close(self) -> None:
        import ray

        for actor in self.actors.values():
            ray.kill(actor)
        self.actors = {}
