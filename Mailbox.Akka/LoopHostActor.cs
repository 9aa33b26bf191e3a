using Akka.Event;

namespace Mailbox.Akka;

// The Akka actor behind LoopActorProps.
//
// Threads. PreStart, OnReceive and PostStop run on Akka's dispatcher, one at a time (the actor's own guarantee); they
// own the fields under "actor only". Handlers run on the loop thread. The settlement of each handed message (dead
// letter, failure reply, in-flight count) runs where its RunAsync task completes: inline in OnReceive when the loop
// refused the message at once, on a pool thread otherwise. The counters they share are Interlocked.
//
// Order. OnReceive hands each message to the loop with RunAsync before it returns, and Akka runs OnReceive for one
// message after the other with a happens-before edge between them; the loop's data lane is FIFO for sends ordered that
// way, so handlers start in receive order, which keeps Akka's per-sender order.
//
// Exact accounting at the stop. Once _stopping is set, every new message is refused inline, so the only messages not
// yet settled are those already in flight. The last settlement after _stopping (or the stop itself, when none is in
// flight) completes _settled; both sides write with a full fence before they read the other's field, so one of them
// sees the other. The LoopActorStopped event waits for the loop's Completion and for _settled.
internal sealed class LoopHostActor : UntypedActor
{
    /// <summary>Wall-clock time PostStop waits beyond the stop timeout, for the loop to finish abandoning what the timeout cut off.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);

    // ---- Immutable. ----

    /// <summary>The loop's name.</summary>
    private readonly string _name;

    /// <summary>The user's handler; runs on the loop thread.</summary>
    private readonly Func<object, LoopReplyContext, Task> _handler;

    /// <summary>Loop options and the stop timeout.</summary>
    private readonly LoopActorSettings _settings;

    /// <summary>The actor's log; thread-safe (it publishes to the event stream).</summary>
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Completes once the stop has begun and no handed message is left unsettled.</summary>
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // ---- Actor only (set in PreStart, read by settlements only after the task that orders them). ----

    /// <summary>The hosted loop; created in PreStart (null only if PreStart failed).</summary>
    private LoopActor? _loop;

    /// <summary>This actor, for use off the actor's thread (<c>Self</c> needs the actor context).</summary>
    private IActorRef _self = ActorRefs.Nobody;

    /// <summary>The system's dead letters, standing in for a missing sender.</summary>
    private IActorRef _deadLetters = ActorRefs.Nobody;

    /// <summary>Where dead letters and <see cref="LoopActorStopped"/> are published; thread-safe.</summary>
    private EventStream _eventStream = null!;

    /// <summary>Whether a <see cref="DrainAndStop"/> has started the graceful stop.</summary>
    private bool _draining;

    /// <summary>Whether <see cref="LoopActorStopped"/> is published (or will be, once a late loop ends).</summary>
    private bool _published;

    // ---- Shared: Interlocked / Volatile only. ----

    /// <summary>Messages received (not counting <see cref="DrainAndStop"/>).</summary>
    private long _received;

    /// <summary>Messages whose handler started.</summary>
    private long _handled;

    /// <summary>Messages published as dead letters.</summary>
    private long _deadLettered;

    /// <summary>Messages handed to the loop and not yet settled.</summary>
    private long _inFlight;

    /// <summary>1 once the stop has begun.</summary>
    private int _stopping;

    public LoopHostActor(string name, Func<object, LoopReplyContext, Task> handler, LoopActorSettings settings)
    {
        _name = name;
        _handler = handler;
        _settings = settings;
    }

    protected override void PreStart()
    {
        _self = Self;
        _deadLetters = Context.System.DeadLetters;
        _eventStream = Context.System.EventStream;
        _loop = LoopActor.Spawn(_name, _settings.LoopOptions);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case DrainAndStop:
                BeginDrain();
                break;
            case LoopDrained drained:
                Publish(drained.Report);
                Context.Stop(Self);
                break;
            default:
                Hand(message);
                break;
        }
    }

    protected override void PostStop()
    {
        if (_published || _loop is null)
        {
            return;
        }

        _published = true;
        BeginStop(_loop);

        // Blocking on purpose: the actor must be gone only after its loop (a shard hand-off, a watcher waiting for
        // Terminated, the system's termination all rely on it), and PostStop is synchronous. Bounded by the stop timeout.
        var loopDone = _loop.Completion;
        if (Task.WaitAll([loopDone, _settled.Task], _settings.StopTimeout + StopGrace))
        {
            Publish(loopDone.Result);
            return;
        }

        _log.Error("Loop '{0}' did not stop within {1}: the actor {2} is gone, its loop thread still runs; LoopActorStopped follows when it ends.", _name, _settings.StopTimeout + StopGrace, _self.Path);
        _ = StoppedAsync().ContinueWith(static (t, s) => ((LoopHostActor)s!).Publish(t.Result), this, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>Hands one message to the loop; its handler starts after every message received before it.</summary>
    private void Hand(object message)
    {
        var loop = Loop;
        Interlocked.Increment(ref _received);
        var sender = Sender;
        var context = new LoopReplyContext(sender.IsNobody() ? _deadLetters : sender, Self, loop);
        Interlocked.Increment(ref _inFlight);
        var run = loop.RunAsync(token => RunHandlerAsync(message, context, token));
        run.ContinueWith((t, _) => Settle(t, message, context), null, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The coroutine of one message, on the loop thread. It ends successfully whatever the handler does: a fault becomes a reply.</summary>
    private async Task RunHandlerAsync(object message, LoopReplyContext context, CancellationToken token)
    {
        context.CancellationToken = token;
        context.Started = true;
        Interlocked.Increment(ref _handled);
        try
        {
            // ConfigureAwait(true): the rest of the coroutine must stay on the loop thread, so that a failure reply is
            // ordered with the replies of the handlers that follow.
            await _handler(message, context).ConfigureAwait(true);
        }
#pragma warning disable CA1031 // Any exception of a user handler is the asker's business: it goes back as Status.Failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Fail(context, message, e);
        }
    }

    /// <summary>Runs when a handed message's task ends: refused or discarded messages become dead letters, abandoned handlers fail.</summary>
    private void Settle(Task run, object message, LoopReplyContext context)
    {
        if (!run.IsCompletedSuccessfully)
        {
            if (!context.Started)
            {
                Interlocked.Increment(ref _deadLettered);
                _eventStream.Publish(new DeadLetter(message, context.Sender, _self));
            }
            else
            {
                Fail(context, message, run.Exception?.InnerException ?? new TaskCanceledException(run));
            }
        }

        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _stopping) != 0)
        {
            _settled.TrySetResult();
        }
    }

    private void Fail(LoopReplyContext context, object message, Exception exception)
    {
        if (context.HasSender && !context.HasReplied)
        {
            context.Reply(new Status.Failure(exception));
            return;
        }

        _log.Error(exception, "The handler of loop '{0}' failed on a message of type {1}{2}.", _name, message.GetType().Name, context.HasReplied ? " after it had replied" : " that had no sender");
    }

    /// <summary>Starts the loop's drain; idempotent.</summary>
    private void BeginStop(LoopActor loop)
    {
        Interlocked.Exchange(ref _stopping, 1);
        if (Interlocked.Read(ref _inFlight) == 0)
        {
            _settled.TrySetResult();
        }

        _ = loop.StopAsync(StopMode.Drain, _settings.StopTimeout);
    }

    private void BeginDrain()
    {
        if (_draining)
        {
            return;
        }

        _draining = true;
        BeginStop(Loop);
        StoppedAsync().PipeTo(Self, success: static report => new LoopDrained(report));
    }

    /// <summary>Completes once the loop thread has exited and every handed message is settled.</summary>
    private async Task<StopReport> StoppedAsync()
    {
        var report = await Loop.Completion.ConfigureAwait(false);
        await _settled.Task.ConfigureAwait(false);
        return report;
    }

    private void Publish(StopReport report)
    {
        _published = true;
        _eventStream.Publish(new LoopActorStopped(_self, _name, report, Loop.AcceptedMessages, Interlocked.Read(ref _received), Interlocked.Read(ref _handled), Interlocked.Read(ref _deadLettered)));
    }

    /// <summary>The hosted loop, once PreStart has created it.</summary>
    private LoopActor Loop => _loop ?? throw new InvalidOperationException($"The loop '{_name}' was never started.");

    /// <summary>The drained loop's report, piped back to the actor. Suppressed as a dead letter: it reaches a dead actor only when a forced stop (a hand-off timeout, say) overtook the drain, which then published the report itself.</summary>
    private sealed record LoopDrained(StopReport Report) : IDeadLetterSuppression;
}
