using Akka.Event;

namespace Mailbox.Akka;

/// <summary>
/// The hosting actor's one child, on Akka's default dispatcher: it holds the actor's termination open until the loop
/// has drained. Akka finishes an actor's termination only after its children have terminated, and a child's
/// <c>PostStop</c> may block where the parent's cannot — the parent runs on the very loop it would wait for.
/// </summary>
internal sealed class LoopKeeper : ActorBase
{
    /// <summary>Wall-clock time beyond the stop timeout the keeper waits for the loop to finish abandoning what the timeout cut off.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);

    /// <summary>The hosted loop and its settings; immutable here.</summary>
    private readonly LoopHost _host;

    public LoopKeeper(LoopHost host) => _host = host;

    protected override bool Receive(object message) => false;

    protected override void PostStop()
    {
        var loop = _host.Loop;
        var timeout = _host.Spec.Settings.StopTimeout;
        _ = loop.StopAsync(StopMode.Drain, timeout);

        // Blocking on purpose, bounded by the stop timeout: the parent (and its Terminated, a shard hand-off, the
        // system's termination) must come after the loop. Already over when a DrainAndStop got there first.
        if (!loop.Completion.Wait(timeout + StopGrace))
        {
            Context.GetLogger().Error("Loop '{0}' did not stop within {1}: its actor stops anyway, its loop thread still runs; LoopActorStopped follows when it ends.", _host.Spec.Name, timeout + StopGrace);
        }
    }
}
