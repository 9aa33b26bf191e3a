namespace Mailbox.Akka;

/// <summary>How an Akka actor made by <see cref="LoopActorProps"/> runs and stops its loop.</summary>
public sealed record LoopActorSettings
{
    /// <summary>The settings every hosting actor gets when none are given.</summary>
    public static LoopActorSettings Default { get; } = new();

    /// <summary>
    /// Settings of the hosted <see cref="LoopActor"/>; <see langword="null"/> for the defaults. The loop mailbox must be
    /// unbounded: it carries the actor's mailbox runs, and the Akka mailbox is the queue in front of the loop.
    /// </summary>
    public LoopOptions? LoopOptions { get; init; }

    /// <summary>
    /// The group whose threads run the hosted loop (spawned with <see cref="LoopGroup.Spawn"/>), or
    /// <see langword="null"/> for a loop on a dedicated thread of its own (<see cref="LoopActor.Spawn"/>). Put many
    /// actors (say the entities of a shard region) in one group so that they share a few threads instead of holding a
    /// thread each. The group belongs to the caller: it must outlive its actors (stop the actor system, or the actors,
    /// before the group), and an actor created once the group's stop has begun gets a loop that is already stopped: it
    /// stops at once, its messages become counted dead letters, and <see cref="LoopActorStopped"/> is published. A
    /// handler that blocks stalls every actor whose loop shares its thread.
    /// </summary>
    public LoopGroup? Group { get; init; }

    /// <summary>
    /// How long a stop may drain the loop. It is the loop's own stop timeout (on the loop's clock: when it passes, what
    /// is still queued is discarded and live handlers are cancelled, then abandoned) and, on the wall clock, how long the
    /// actor's stop waits for the loop thread to exit.
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
