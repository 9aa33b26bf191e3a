using Akka.Event;

namespace Mailbox.Akka;

/// <summary>
/// Makes the <see cref="Props"/> of an Akka actor that owns one <see cref="LoopActor"/>. Every message the actor
/// receives is handed to the loop and processed on the loop's reader thread by the handler, which may await on the loop
/// (timers, <see cref="LoopActor.Delay"/>, <c>RunAsync</c> results) and then reply through Akka, so <c>Ask</c> works
/// locally and remotely. Stopping the actor, however it is stopped, drains the loop and waits for its thread to exit.
/// </summary>
/// <remarks>
/// <para><b>Order.</b> Handlers start in the order the actor received the messages, so Akka's per-sender order holds
/// on the loop. Handlers that await may finish, and reply, in another order.</para>
/// <para><b>Faults.</b> A handler that throws (or ends cancelled, or is abandoned by a stop timeout) without having
/// replied makes the actor reply <see cref="Status.Failure"/> to the sender, so an <c>Ask</c> fails with the exception
/// instead of timing out; with no sender the fault is logged as an error. The actor itself is not restarted.</para>
/// <para><b>Stop.</b> <see cref="DrainAndStop"/> stops the loop with Drain without blocking and stops the actor when
/// the loop thread has exited. Any other stop (<c>PoisonPill</c>, <c>Context.Stop</c>, a restart, the actor system's
/// termination, coordinated shutdown) drains the loop in <c>PostStop</c>, which blocks its dispatcher thread for at
/// most <see cref="LoopActorSettings.StopTimeout"/> (plus a second of grace) so that the actor is gone only after the
/// loop. Either way a <see cref="LoopActorStopped"/> is published on the event stream.</para>
/// <para><b>Nothing lost silently.</b> A message the loop refuses (after the stop began, or a full bounded loop
/// mailbox) or discards (a stop that timed out) is published as an Akka <see cref="DeadLetter"/> and counted in
/// <see cref="LoopActorStopped.DeadLetters"/>; messages that reach the actor after it stopped are Akka's own dead
/// letters.</para>
/// </remarks>
public static class LoopActorProps
{
    /// <summary>The props of an actor that runs every message it receives on a loop of its own.</summary>
    /// <param name="name">The loop's name (it names the loop thread); need not be unique.</param>
    /// <param name="handler">Runs on the loop thread, once per message, with the message and its reply context.</param>
    /// <param name="settings">Loop options and the stop timeout; <see cref="LoopActorSettings.Default"/> when null.</param>
    /// <returns>Props for <c>ActorOf</c>, or an entity factory for sharding (see <see cref="LoopEntity"/>). They capture <paramref name="handler"/>, so they cannot be deployed remotely.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or the settings ask for a bounded loop mailbox in <see cref="MailboxFullMode.Wait"/> mode.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The stop timeout is not positive, or is infinite.</exception>
    public static Props Create(string name, Func<object, LoopReplyContext, Task> handler, LoopActorSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(handler);
        settings ??= LoopActorSettings.Default;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.StopTimeout, TimeSpan.Zero, nameof(settings) + "." + nameof(LoopActorSettings.StopTimeout));
        if (settings.StopTimeout == Timeout.InfiniteTimeSpan || settings.StopTimeout > MaxStopTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.StopTimeout, $"The stop timeout must be finite (at most {MaxStopTimeout}): PostStop blocks for it.");
        }

        if (settings.LoopOptions is { MailboxCapacity: not null, FullMode: MailboxFullMode.Wait })
        {
            throw new ArgumentException("A loop hosted by an actor must not wait for room: use MailboxFullMode.Reject (a message that does not fit becomes a dead letter) or an unbounded loop mailbox.", nameof(settings));
        }

        return Props.Create(() => new LoopHostActor(name, handler, settings));
    }

    /// <summary>The longest stop timeout accepted.</summary>
    private static TimeSpan MaxStopTimeout => TimeSpan.FromHours(1);
}
