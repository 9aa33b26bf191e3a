using Akka.Configuration;
using Akka.Event;

namespace Mailbox.Akka;

/// <summary>
/// Makes the <see cref="Props"/> of an Akka actor that runs on a <see cref="LoopActor"/> of its own: the actor's
/// mailbox is run by the loop thread, and every message it receives is processed there by the handler, which may await
/// on the loop (timers, <see cref="LoopActor.Delay"/>, <c>RunAsync</c> results) and then reply through Akka, so
/// <c>Ask</c> works locally and remotely. Stopping the actor, however it is stopped, drains the loop and waits for its
/// thread to exit. Call <see cref="Install"/> once per actor system first.
/// </summary>
/// <remarks>
/// <para><b>One queue.</b> The actor runs on a dispatcher backed by its loop (<see cref="DispatcherId"/>), so a message
/// crosses Akka's mailbox and nothing else, and a handler that finishes synchronously costs no allocation. The loop's
/// own mailbox carries the actor's mailbox runs and whatever handlers post to it; it must be unbounded (bound the actor
/// with an Akka bounded mailbox instead).</para>
/// <para><b>Threads.</b> Each actor's loop has a dedicated thread by default; with <see cref="LoopActorSettings.Group"/>
/// the loops share the threads of a <see cref="LoopGroup"/>, each pinned to one of them for life, so that thousands of
/// actors (sharded entities) are not thousands of threads.</para>
/// <para><b>Order.</b> Handlers start in the order the actor received the messages, so Akka's per-sender order holds
/// on the loop. Handlers that await may finish, and reply, in another order.</para>
/// <para><b>Faults.</b> A handler that throws (or ends cancelled, or is abandoned by a stop) without having replied
/// makes the actor reply <see cref="Status.Failure"/> to the sender, so an <c>Ask</c> fails with the exception
/// instead of timing out; with no sender the fault is logged as an error. The actor itself is not restarted.</para>
/// <para><b>Stop.</b> <see cref="DrainAndStop"/> stops the loop with Drain without blocking and stops the actor when
/// the loop thread has exited. Any other stop (<c>PoisonPill</c>, <c>Context.Stop</c>, the actor system's
/// termination, coordinated shutdown) is held open by the actor's one child (named <c>loop</c>), whose <c>PostStop</c>
/// drains the loop and blocks a default-dispatcher thread for at most <see cref="LoopActorSettings.StopTimeout"/> (plus
/// a second of grace), so that the actor is gone only after the loop. If the loop stops by other hands (a handler's
/// own <c>StopAsync</c>), the actor stops too. Either way a <see cref="LoopActorStopped"/> is published on the event
/// stream.</para>
/// <para><b>Nothing lost silently.</b> A message that reaches the actor after <see cref="DrainAndStop"/> or after its
/// loop has stopped is published as an Akka <see cref="DeadLetter"/> and counted in
/// <see cref="LoopActorStopped.DeadLetters"/>; messages still in the Akka mailbox when the actor stops, and those sent
/// after, are Akka's own dead letters.</para>
/// </remarks>
public static class LoopActorProps
{
    /// <summary>The id of the loop-backed dispatcher that <see cref="Install"/> registers and <see cref="Create"/>'s props name.</summary>
    public const string DispatcherId = "mailbox-loop-dispatcher";

    /// <summary>Registers the loop-backed dispatcher with <paramref name="system"/>, so that it can run actors made by <see cref="Create"/>; idempotent and thread-safe. <see cref="LoopEntity.StartRegionAsync"/> calls it itself.</summary>
    /// <param name="system">The actor system.</param>
    /// <exception cref="ArgumentNullException"><paramref name="system"/> is null.</exception>
    public static void Install(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var dispatchers = system.Dispatchers;
        if (dispatchers.HasDispatcher(DispatcherId))
        {
            return;
        }

        // Settings under our id in the system's configuration win; then a throughput of 100 messages per mailbox run
        // (each run is one post to the loop, and a handler that finishes synchronously is short); then the default
        // dispatcher's deadline and shutdown timeout.
        var config = ConfigurationFactory.ParseString($"id = {DispatcherId}");
        if (system.Settings.Config.HasPath(DispatcherId))
        {
            config = config.WithFallback(system.Settings.Config.GetConfig(DispatcherId));
        }

        config = config.WithFallback(ConfigurationFactory.ParseString("throughput = 100")).WithFallback(dispatchers.DefaultDispatcherConfig);
        dispatchers.RegisterConfigurator(DispatcherId, new LoopDispatcherConfigurator(config, dispatchers.Prerequisites));
    }

    /// <summary>The props of an actor that runs every message it receives on a loop of its own.</summary>
    /// <param name="name">The loop's name (it names the loop thread); need not be unique.</param>
    /// <param name="handler">Runs on the loop thread, once per message, with the message and its reply context.</param>
    /// <param name="settings">Loop options and the stop timeout; <see cref="LoopActorSettings.Default"/> when null.</param>
    /// <returns>Props for <c>ActorOf</c> on a system where <see cref="Install"/> has run, or an entity factory for sharding (see <see cref="LoopEntity"/>). They capture <paramref name="handler"/>, so they cannot be deployed remotely.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or the settings ask for a bounded loop mailbox.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The stop timeout is not positive, or is infinite.</exception>
    public static Props Create(string name, Func<object, LoopReplyContext, Task> handler, LoopActorSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(handler);
        settings ??= LoopActorSettings.Default;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.StopTimeout, TimeSpan.Zero, nameof(settings) + "." + nameof(LoopActorSettings.StopTimeout));
        if (settings.StopTimeout == Timeout.InfiniteTimeSpan || settings.StopTimeout > MaxStopTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.StopTimeout, $"The stop timeout must be finite (at most {MaxStopTimeout}): a stop blocks a thread for it.");
        }

        if (settings.LoopOptions is { MailboxCapacity: not null })
        {
            throw new ArgumentException("A loop that runs an actor's mailbox must be unbounded: the Akka mailbox is the queue in front of it (use an Akka bounded mailbox to bound the actor).", nameof(settings));
        }

        var spec = new LoopHostSpec(name, handler, settings);
        return Props.Create(() => new LoopHostActor(spec)).WithDispatcher(DispatcherId);
    }

    /// <summary>The longest stop timeout accepted.</summary>
    private static TimeSpan MaxStopTimeout => TimeSpan.FromHours(1);
}
