namespace Mailbox.Akka;

/// <summary>
/// Tells an actor made by <see cref="LoopActorProps"/> to stop the graceful way without blocking a dispatcher thread:
/// it stops its loop with <see cref="StopMode.Drain"/>, turns every later message into a dead letter, and stops itself
/// once the loop thread has exited. <see cref="LoopEntity"/> uses it as the shard hand-off stop message.
/// </summary>
public sealed class DrainAndStop
{
    private DrainAndStop()
    {
    }

    /// <summary>The one instance.</summary>
    public static DrainAndStop Instance { get; } = new();
}
