using Akka.Event;

namespace Mailbox.Akka;

// The Akka actor behind LoopActorProps. It runs on its own LoopDispatcher, so its receive runs on the loop thread and
// calls the user's handler there directly: a message crosses Akka's mailbox and nothing else.
//
// Threads. Every method here is an actor turn (see LoopHost for what that owns): on the loop thread while the loop
// runs, on a pool thread once it has stopped — then no handler is called, and messages become dead letters. A handler
// that does not finish synchronously is tracked by a coroutine on the loop (Track), which keeps a Drain waiting for it
// and settles its faults off the actor's turns, through thread-safe members only.
//
// Order. Akka runs the actor's messages one after the other, so handlers start in receive order, which keeps Akka's
// per-sender order; handlers that await may finish, and reply, in another order.
//
// Stop. Akka ends an actor only after its children, so the actor's one child, the LoopKeeper, holds every kind of stop
// (PoisonPill, Context.Stop, the system's termination, coordinated shutdown) open until the loop has drained, waiting
// on a default-dispatcher thread. DrainAndStop drains first and stops the actor once the loop has ended, without
// blocking any thread. Whoever stops the loop, its end reaches the actor as LoopEnded and the actor stops.
internal sealed class LoopHostActor : ActorBase
{
    /// <summary>The state shared with later incarnations of this actor (a restart keeps loop, keeper and counters).</summary>
    private readonly LoopHost _host;

    /// <summary>The user's handler; runs on the loop thread.</summary>
    private readonly Func<object, LoopReplyContext, Task> _handler;

    /// <summary>The loop; its thread is where handlers run.</summary>
    private readonly LoopActor _loop;

    /// <summary>The actor's log; thread-safe (it publishes to the event stream).</summary>
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>This actor, for handler settlements off the actor's turns.</summary>
    private readonly IActorRef _self;

    /// <summary>The system's dead letters, standing in for a missing sender.</summary>
    private readonly IActorRef _deadLetters;

    /// <summary>Where dead letters and <see cref="LoopActorStopped"/> are published; thread-safe.</summary>
    private readonly EventStream _eventStream;

    public LoopHostActor(LoopHostSpec spec)
    {
        _host = (Context.Dispatcher as LoopDispatcher)?.Host
            ?? throw new InvalidOperationException($"An actor made by {nameof(LoopActorProps)} must run on the dispatcher '{LoopActorProps.DispatcherId}'; {Self.Path} was deployed on '{Context.Dispatcher.Id}'.");
        _handler = spec.Handler;
        _loop = _host.Loop;
        _self = Self;
        _deadLetters = Context.System.DeadLetters;
        _eventStream = Context.System.EventStream;
    }

    protected override void PreStart()
    {
        Context.ActorOf(Props.Create(() => new LoopKeeper(_host)), "loop");
        _loop.Completion.PipeTo(Self, success: static report => new LoopEnded(report));
    }

    // A restart (the actor never throws, but a supervisor may ask) keeps the keeper, the loop and the counters.
    protected override void PreRestart(Exception reason, object message)
    {
    }

    protected override void PostRestart(Exception reason)
    {
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case DrainAndStop:
                BeginDrain();
                break;
            case LoopEnded:
                _host.Closed = true;
                Context.Stop(Self);
                break;
            default:
                Handle(message);
                break;
        }

        return true;
    }

    protected override void PostStop()
    {
        if (_host.Published)
        {
            return;
        }

        _host.Published = true;
        var loopDone = _loop.Completion;
        if (loopDone.IsCompleted)
        {
            Publish(loopDone.Result);
            return;
        }

        // The keeper gave up waiting (it logged why): report when the loop does end.
        _ = loopDone.ContinueWith(static (t, s) => ((LoopHostActor)s!).Publish(t.Result), this, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private void Handle(object message)
    {
        var host = _host;
        host.Received++;
        var sender = Sender;
        // Not on the loop thread: the loop has stopped and the actor is running out its last turns on the pool.
        // Stopping: a handler (or anyone) stopped the loop; it accepts no coroutine, so no handler starts any more.
        if (host.Closed || !_loop.IsOnLoopThread || _loop.State != LoopState.Running)
        {
            host.DeadLetters++;
            _eventStream.Publish(new DeadLetter(message, sender, _self));
            return;
        }

        var context = host.SpareContext ??= new LoopReplyContext(_self, _loop, host.HandlerStop.Token);
        context.Reset(sender.IsNobody() ? _deadLetters : sender);
        host.Handled++;
        Task handling;
        try
        {
            handling = _handler(message, context);
        }
#pragma warning disable CA1031 // Any exception of a user handler is the asker's business: it goes back as Status.Failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Fail(context, message, e);
            return;
        }

        if (handling.IsCompleted)
        {
            if (!handling.IsCompletedSuccessfully)
            {
                Fail(context, message, Unwrap(handling));
            }

            return;
        }

        // The handler keeps its context while it awaits; the next message gets a new one.
        host.SpareContext = null;
        Track(handling, message, context);
    }

    /// <summary>Makes an awaiting handler a coroutine of the loop, so that a Drain waits for it and a stop's cancellation reaches it.</summary>
    private void Track(Task handling, object message, LoopReplyContext context)
    {
        var stop = _host.HandlerStop;
        var run = _loop.RunAsync(async token =>
        {
            using var cancel = token.Register(static s => ((CancellationTokenSource)s!).Cancel(), stop);
            await handling.ConfigureAwait(true);
        });
        _ = run.ContinueWith(
            (t, _) =>
            {
                if (!t.IsCompletedSuccessfully)
                {
                    Fail(context, message, Unwrap(t));
                }
            },
            null,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>A handler failed, was cancelled or abandoned: its asker gets <see cref="Status.Failure"/> unless it already had a reply. Thread-safe.</summary>
    private void Fail(LoopReplyContext context, object message, Exception exception)
    {
        if (context.HasSender && !context.HasReplied)
        {
            context.Reply(new Status.Failure(exception));
            return;
        }

        _log.Error(exception, "The handler of loop '{0}' failed on a message of type {1}{2}.", _host.Spec.Name, message.GetType().Name, context.HasReplied ? " after it had replied" : " that had no sender");
    }

    private void BeginDrain()
    {
        if (_host.Closed)
        {
            return;
        }

        _host.Closed = true;
        _ = _loop.StopAsync(StopMode.Drain, _host.Spec.Settings.StopTimeout);
    }

    private void Publish(StopReport report) =>
        _eventStream.Publish(new LoopActorStopped(_self, _host.Spec.Name, report, _loop.AcceptedMessages, _host.Received, _host.Handled, _host.DeadLetters));

    private static Exception Unwrap(Task task) => task.Exception?.InnerException ?? new TaskCanceledException(task);

    /// <summary>The loop's end, piped back to the actor. Suppressed as a dead letter: after a forced stop the actor may be gone before it arrives.</summary>
    private sealed record LoopEnded(StopReport Report) : IDeadLetterSuppression;
}
