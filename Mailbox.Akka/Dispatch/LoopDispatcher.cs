using Akka.Dispatch;

namespace Mailbox.Akka;

/// <summary>
/// An Akka dispatcher backed by one <see cref="LoopActor"/>: the actor's mailbox runs on the loop thread, so a message
/// crosses one queue (Akka's mailbox) and its handler is called there directly. One dispatcher, one loop, one actor; the
/// loop has a dedicated thread, or shares the threads of <see cref="LoopActorSettings.Group"/> when the settings name one.
/// </summary>
/// <remarks>
/// <para><b>Threads.</b> <see cref="Attach"/> runs on the thread that creates the actor, before any mailbox run; it
/// publishes <see cref="_host"/> before Akka can schedule the mailbox. <see cref="ExecuteTask"/> runs on any thread
/// (a sender's, the loop's own at the end of a mailbox run).</para>
/// <para><b>Once the loop has stopped</b>, mailbox runs go to the thread pool: the actor must still see its system
/// messages (the keeper's termination, its own stop) and turn late messages into dead letters, and Akka runs one
/// mailbox run at a time wherever it runs. A run the loop accepted and then discarded (an Immediate stop, a stop
/// timeout) would leave the mailbox marked as scheduled forever, so the run waiting in <see cref="_pendingMailbox"/>
/// is handed to the pool when the loop's thread has exited: exactly one of the loop and that hand-off takes it. Other
/// runnables (someone's <c>Dispatcher.Schedule</c>) that such a stop discards stay discarded, counted in the loop's
/// <see cref="StopReport.Discarded"/>, as any message of the loop would be.</para>
/// </remarks>
internal sealed class LoopDispatcher : MessageDispatcher
{
    /// <summary>The actor's hosting state and loop; set once by <see cref="Attach"/>.</summary>
    private LoopHost? _host;

    /// <summary>The mailbox run posted to the loop and not started yet; at most one (Akka schedules a mailbox once until it runs).</summary>
    private IRunnable? _pendingMailbox;

    public LoopDispatcher(LoopDispatcherConfigurator configurator)
        : base(configurator)
    {
        var config = configurator.Config;
        Id = config.GetString("id", LoopActorProps.DispatcherId);
        Throughput = config.GetInt("throughput", DefaultThroughput);
        var deadline = config.GetTimeSpan("throughput-deadline-time", TimeSpan.Zero);
        ThroughputDeadlineTime = deadline > TimeSpan.Zero ? deadline.Ticks : null;
        ShutdownTimeout = config.GetTimeSpan("shutdown-timeout", TimeSpan.FromSeconds(1));
    }

    /// <summary>The hosting state of the one actor on this dispatcher.</summary>
    /// <exception cref="InvalidOperationException">No actor was attached.</exception>
    public LoopHost Host => Volatile.Read(ref _host) ?? throw new InvalidOperationException("No actor is attached to this loop dispatcher.");

    /// <summary>Spawns the actor's loop from its props, then lets Akka schedule the actor's first run (its creation) there.</summary>
    /// <exception cref="InvalidOperationException">The actor's props were not made by <see cref="LoopActorProps.Create"/>, or another actor is already attached.</exception>
    public override void Attach(ActorCell cell)
    {
        if (cell.Props.Arguments is not [LoopHostSpec spec])
        {
            throw new InvalidOperationException($"The dispatcher '{Id}' runs only actors made by {nameof(LoopActorProps)}.{nameof(LoopActorProps.Create)}; {cell.Self.Path} is not one.");
        }

        var host = new LoopHost(spec, SpawnLoop(spec));
        if (Interlocked.CompareExchange(ref _host, host, null) is not null)
        {
            _ = host.Loop.StopAsync(StopMode.Immediate);
            throw new InvalidOperationException($"A loop dispatcher runs one actor; {cell.Self.Path} is a second.");
        }

        _ = host.Loop.Completion.ContinueWith(static (_, d) => ((LoopDispatcher)d!).RescueDiscardedRun(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        base.Attach(cell);
    }

    /// <summary>
    /// The actor's loop: in the settings' group, or on a dedicated thread. A group whose stop has begun refuses the
    /// spawn; the actor then gets a dedicated loop that is stopped at once, so that it is created on the pool, turns
    /// what it receives into dead letters and stops with its <see cref="LoopActorStopped"/>, as any actor whose loop
    /// has ended — rather than failing inside Akka's supervision and never terminating.
    /// </summary>
    private static LoopActor SpawnLoop(LoopHostSpec spec)
    {
        var settings = spec.Settings;
        if (settings.Group is not { } group)
        {
            return LoopActor.Spawn(spec.Name, settings.LoopOptions);
        }

        try
        {
            return group.Spawn(spec.Name, settings.LoopOptions);
        }
        catch (LoopStoppedException)
        {
            var stopped = LoopActor.Spawn(spec.Name, settings.LoopOptions);
            _ = stopped.StopAsync(StopMode.Immediate);
            return stopped;
        }
    }

    protected override void ExecuteTask(IRunnable run)
    {
        var host = Volatile.Read(ref _host);
        if (host is null)
        {
            // Dispatchers.Lookup made this dispatcher for someone's Schedule, not for an actor: no loop to run on.
            RunOnPool(run);
            return;
        }

        try
        {
            if (run is global::Akka.Dispatch.Mailbox)
            {
                Volatile.Write(ref _pendingMailbox, run);
                host.Loop.Post(static d => d.RunPendingMailbox(), this);
            }
            else
            {
                host.Loop.Post(static r => r.Run(), run);
            }
        }
        catch (LoopStoppedException)
        {
            if (run is not global::Akka.Dispatch.Mailbox || Interlocked.Exchange(ref _pendingMailbox, null) is not null)
            {
                RunOnPool(run);
            }
        }
    }

    /// <summary>Stops the loop when Akka retires the dispatcher (its actor is gone); normally the keeper has already drained it.</summary>
    protected override void Shutdown()
    {
        var host = Volatile.Read(ref _host);
        if (host is not null)
        {
            _ = host.Loop.StopAsync(StopMode.Drain, host.Spec.Settings.StopTimeout);
        }
    }

    private static void RunOnPool(IRunnable run) => ThreadPool.UnsafeQueueUserWorkItem(static r => r.Run(), run, preferLocal: false);

    /// <summary>On the loop thread: the posted mailbox run, unless the rescue took it first.</summary>
    private void RunPendingMailbox() => Interlocked.Exchange(ref _pendingMailbox, null)?.Run();

    /// <summary>After the loop thread has exited: a mailbox run it accepted but never started goes to the pool.</summary>
    private void RescueDiscardedRun()
    {
        if (Interlocked.Exchange(ref _pendingMailbox, null) is { } run)
        {
            RunOnPool(run);
        }
    }
}
