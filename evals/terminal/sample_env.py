"""What one terminal sample runs in: its image(s) made ready, then its Inspect sandbox spec.

The one place that chooses between a task's compose file (`compose_env`) and its single image
(`environment`: prebuilt, built from the Dockerfile, or a stand-in), so that both of those
modules only build and neither imports the other back.
"""

from __future__ import annotations

from longcat_evals.evals.terminal.compose_env import multi_service_spec, prepare_compose
from longcat_evals.evals.terminal.environment import (
    Environment,
    build_dockerfile,
    limits_for,
    obtain_prebuilt,
    use_prebuilt,
)
from longcat_evals.evals.terminal.image_map import Resolver
from longcat_evals.evals.terminal.spec import TerminalTask
from longcat_evals.progress import Progress, progress
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.compose import docker_sandbox
from longcat_evals.sandboxes.errors import SandboxSetupError


def prepare(
    task: TerminalTask, resolver: Resolver, offline: bool, log: Progress = progress
) -> Environment:
    """Make the task's image(s) ready; raise SandboxSetupError with a one-line reason."""
    if task.compose_file is not None:
        return prepare_compose(task, resolver, offline, log)
    declined = None
    if task.docker_image:
        here, how = obtain_prebuilt(task.docker_image, resolver)
        if here:
            return use_prebuilt(task, task.docker_image, how, offline, log)
        declined = f"prebuilt image {task.docker_image}: {how}"
    if task.dockerfile is not None:
        if declined:
            log(f"[{task.id}] {declined}; building environment/Dockerfile instead")
        env = build_dockerfile(task, task.dockerfile, task.context, resolver, offline, log)
        if declined:
            env.source["instead_of"] = declined
        return env
    if task.docker_image:  # no Dockerfile to fall back on: a stand-in for the image itself
        image, _, sub = resolver.resolve(task.docker_image, log)
        if sub is None:
            raise SandboxSetupError(
                f"terminal task '{task.id}': {declined}; no Dockerfile to build"
            )
        log(f"[{task.id}] image {sub.original} -> {sub.image} (image map: {sub.rule})")
        env = use_prebuilt(task, image, f"stand-in via image map {sub.rule}", offline, log)
        env.substitutions = [sub.as_dict()]
        env.source = {"kind": "stand-in", "image": task.docker_image, "instead_of": declined}
        return env
    raise SandboxSetupError(f"terminal task '{task.id}': no Dockerfile or image to run")


def sandbox_spec(task: TerminalTask, env: Environment, offline: bool, memory_mb: int | None):
    """The sample's Inspect sandbox: our secure compose defaults, network per the task."""
    if env.services or env.command is not None:
        return multi_service_spec(task, env, offline, limits_for(task, memory_mb, env))
    return docker_sandbox(
        env.image,
        network=not offline,
        limits=limits_for(task, memory_mb, env),
        working_dir=env.workdir,
        local_image=images.image_exists(env.image),
        environment=env.environment or None,
    )
