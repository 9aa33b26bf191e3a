using Akka.Event;

namespace Mailbox.Akka;

/// <summary>
/// Published on the actor system's event stream when the loop of an actor made by <see cref="LoopActorProps"/> has
/// stopped: its thread has exited and every message the actor received is accounted for.
/// <c><see cref="Received"/> = <see cref="Handled"/> + <see cref="DeadLetters"/></c>, exactly.
/// </summary>
/// <param name="Actor">The hosting actor.</param>
/// <param name="LoopName">The loop's name.</param>
/// <param name="Report">The loop's own stop report; after a drain within the timeout, <c>Executed</c> = <paramref name="Accepted"/> and <c>Discarded</c> = 0.</param>
/// <param name="Accepted">Messages the loop accepted over its life: the actor's mailbox runs, one coroutine per handler that awaited, and whatever handlers posted themselves.</param>
/// <param name="Received">Messages the actor received (its own <see cref="DrainAndStop"/> not counted).</param>
/// <param name="Handled">Messages whose handler was called on the loop.</param>
/// <param name="DeadLetters">Messages that never reached the handler (received after <see cref="DrainAndStop"/> or after the loop had stopped); each was published as an Akka <see cref="DeadLetter"/>.</param>
public sealed record LoopActorStopped(IActorRef Actor, string LoopName, StopReport Report, long Accepted, long Received, long Handled, long DeadLetters);
