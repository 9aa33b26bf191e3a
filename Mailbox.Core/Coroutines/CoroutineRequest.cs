namespace Mailbox;

/// <summary>
/// A <c>RunAsync</c> request: first a message in the data lane, then — once the loop starts it — a live coroutine.
/// Its life: Queued → Live → Ended, or Queued → CancelledBeforeStart / Discarded, or Live → Abandoned (stop timeout).
/// <see cref="_state"/> is changed by CAS because the caller's token may cancel a queued request from any thread; every
/// other field is the loop thread's, except the registry links, which <see cref="QueuedRequests"/> guards with its lock.
/// </summary>
internal abstract class CoroutineRequest : LoopWorkItem
{
    protected const int Queued = 0;
    protected const int Live = 1;
    protected const int Ended = 2;
    protected const int CancelledBeforeStart = 3;
    protected const int Discarded = 4;
    protected const int Abandoned = 5;

    /// <summary>The request's life stage; CAS from any thread while Queued, loop thread after.</summary>
    protected int _state;

    /// <summary>Set by the caller's token after the start; the loop then cancels the coroutine's own token.</summary>
    private volatile bool _cancelAfterStart;

    protected CoroutineRequest(LoopActor loop, CancellationToken callerToken)
    {
        Loop = loop;
        CallerToken = callerToken;
    }

    /// <summary>The loop that runs the coroutine.</summary>
    protected LoopActor Loop { get; }

    /// <summary>The token the caller passed to <c>RunAsync</c>.</summary>
    protected CancellationToken CallerToken { get; }

    /// <summary>Registration on <see cref="CallerToken"/>.</summary>
    protected CancellationTokenRegistration CallerRegistration { get; set; }

    /// <summary>The coroutine's own token source (token-taking overloads only); cancelled by the caller's token or a stop.</summary>
    protected CancellationTokenSource? OwnTokenSource { get; set; }

    /// <summary>Neighbours in <see cref="QueuedRequests"/> (under its lock) or in the loop's live list (loop thread).</summary>
    internal CoroutineRequest? Previous { get; set; }

    /// <inheritdoc cref="Previous"/>
    internal CoroutineRequest? Next { get; set; }

    /// <summary>Whether a stop has already counted this coroutine as cancelled. Loop thread only.</summary>
    internal bool StopCounted { get; set; }

    /// <summary>Registers on the caller's token; done once the request is accepted.</summary>
    internal void WatchCallerToken()
    {
        if (CallerToken.CanBeCanceled)
        {
            CallerRegistration = CallerToken.UnsafeRegister(static s => ((CoroutineRequest)s!).OnCallerCancelled(), this);
        }
    }

    /// <summary>Runs on the loop: starts the coroutine, or cancels its token after a caller's cancellation.</summary>
    public sealed override void Execute()
    {
        // The caller's token calls back once, so this runs at most once for a started request; the flag stays set.
        if (_cancelAfterStart && _state == Live)
        {
            CancelOwnToken();
            return; // the request is in the live list now, whose links the registry must not read as its own
        }

        Loop.RemoveQueued(this);
        if (Interlocked.CompareExchange(ref _state, Live, Queued) != Queued)
        {
            return;
        }

        if (CallerToken.IsCancellationRequested)
        {
            _state = CancelledBeforeStart;
            CallerRegistration.Dispose();
            SetCanceled(CallerToken);
            return;
        }

        Loop.AddLive(this);
        Start();
    }

    /// <summary>Ends a request the stop discards before it started (loop thread, or the stop's caller once the loop is gone).</summary>
    internal void Discard(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _state, Discarded, Queued) == Queued)
        {
            CallerRegistration.Dispose();
            SetException(reason);
        }
    }

    /// <summary>Cancels the coroutine's own token on behalf of a stop. Loop thread only.</summary>
    internal void CancelOwnToken()
    {
        try
        {
            OwnTokenSource?.Cancel();
        }
        catch (AggregateException e)
        {
            Loop.ReportFault(e, Describe());
        }
    }

    /// <summary>Gives up on a coroutine still running at the stop's timeout: its task ends with <paramref name="reason"/>. Loop thread only.</summary>
    internal void Abandon(Exception reason)
    {
        if (_state != Live)
        {
            return;
        }

        _state = Abandoned;
        Loop.RemoveLive(this);
        CallerRegistration.Dispose();
        SetException(reason);
    }

    /// <summary>Starts the coroutine on the loop thread.</summary>
    protected abstract void Start();

    protected abstract void SetCanceled(CancellationToken token);

    protected abstract void SetException(Exception exception);

    /// <summary>Marks the coroutine ended and tidies up; false if the stop abandoned it first. Loop thread only.</summary>
    protected bool TryEnd()
    {
        if (_state != Live)
        {
            return false;
        }

        _state = Ended;
        Loop.RemoveLive(this);
        CallerRegistration.Dispose();
        OwnTokenSource?.Dispose();
        return true;
    }

    private void OnCallerCancelled()
    {
        if (Interlocked.CompareExchange(ref _state, CancelledBeforeStart, Queued) == Queued)
        {
            // Still queued: the task ends now; the loop will find the request cancelled and only count it.
            SetCanceled(CallerToken);
            return;
        }

        _cancelAfterStart = true;
        Loop.EnqueueStep(ToEnvelope());
    }
}
