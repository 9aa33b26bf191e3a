using System.Diagnostics;

namespace Mailbox;

/// <summary>
/// The timer behind one <see cref="LoopActor.Delay"/>. A delay without a cancellation token rents its timer from the
/// loop's pool and returns it once awaited, so the common path allocates nothing; the generation tells a reused timer's
/// awaitable from one of its previous use, and <see cref="QueueSequence"/> its timer-queue entry from an older one. A
/// delay with a token gets a fresh timer, because the token's callback may run on any thread at any time. Every field is owned by the loop thread except <see cref="_cancelRequested"/>.
/// </summary>
internal sealed class DelayTimer : LoopWorkItem
{
    private const int Pending = 0;
    private const int Elapsed = 1;
    private const int Cancelled = 2;

    /// <summary>The loop whose timer queue holds the timer.</summary>
    private readonly LoopActor _loop;

    /// <summary>Pending, Elapsed or Cancelled for the current generation.</summary>
    private int _state;

    /// <summary>The awaiting coroutine's continuation, if it awaits already.</summary>
    private Action? _continuation;

    /// <summary>Registration on the delay's token; disposed when the delay ends.</summary>
    private CancellationTokenRegistration _registration;

    /// <summary>The token the delay was cancelled with, for the <see cref="OperationCanceledException"/>.</summary>
    private CancellationToken _token;

    /// <summary>Set by the token's callback on any thread; the loop acts on it in <see cref="Execute"/>.</summary>
    private volatile bool _cancelRequested;

    public DelayTimer(LoopActor loop, bool pooled)
    {
        _loop = loop;
        IsPooled = pooled;
    }

    /// <summary>Bumped at every reuse.</summary>
    public int Generation { get; private set; }

    /// <summary>Whether the timer goes back to the loop's pool once awaited.</summary>
    public bool IsPooled { get; }

    /// <summary>Whether the timer is in the timer queue (so a cancel must be counted there).</summary>
    public bool InQueue { get; set; }

    /// <summary>The sequence number of the timer queue's entry for the current use.</summary>
    public long QueueSequence { get; set; }

    /// <summary>Whether the queue entry with <paramref name="sequence"/> is this use's and the delay has neither elapsed nor been cancelled.</summary>
    public bool IsQueuedAs(long sequence) => sequence == QueueSequence && _state == Pending;

    /// <summary>Whether the delay of <paramref name="generation"/> has ended.</summary>
    public bool IsCompleted(int generation) => generation != Generation || _state != Pending;

    /// <summary>Starts a use of the timer; registers on <paramref name="token"/> if it can be cancelled.</summary>
    public void Start(CancellationToken token)
    {
        Generation++;
        _state = Pending;
        _continuation = null;
        _cancelRequested = false;
        _token = token;
        if (token.CanBeCanceled)
        {
            Debug.Assert(!IsPooled, "a pooled delay must not take a token");
            _registration = token.UnsafeRegister(static s => ((DelayTimer)s!).OnTokenCancelled(), this);
        }
    }

    /// <summary>Called by the loop when the delay is due.</summary>
    public void Elapse() => Complete(Elapsed);

    /// <summary>Called by a stop; the await then throws <see cref="OperationCanceledException"/>.</summary>
    public void CancelForStop() => Complete(Cancelled);

    /// <summary>Stores the continuation, or runs it at the back of the queue if the delay has already ended.</summary>
    public void OnCompleted(int generation, Action continuation)
    {
        _loop.ThrowIfNotOwner("awaiting LoopActor.Delay");
        if (IsCompleted(generation))
        {
            _loop.EnqueueStep(new Envelope(continuation));
            return;
        }

        _continuation = continuation;
    }

    /// <summary>Ends the await: throws if cancelled, and returns a pooled timer to the pool.</summary>
    public void GetResult(int generation)
    {
        if (generation != Generation)
        {
            throw new InvalidOperationException("A LoopActor.Delay awaitable may be awaited only once.");
        }

        bool cancelled = _state == Cancelled;
        var token = _token;
        if (_state == Pending)
        {
            throw new InvalidOperationException("The delay has not ended; await it instead of reading its result.");
        }

        if (IsPooled)
        {
            Generation++;
            _loop.ReturnDelayTimer(this);
        }

        if (cancelled)
        {
            throw new OperationCanceledException(token.IsCancellationRequested ? "The delay was cancelled." : "The delay was cancelled by the loop's stop.", token);
        }
    }

    /// <summary>Runs on the loop after the token was cancelled on some thread.</summary>
    public override void Execute()
    {
        if (_cancelRequested && _state == Pending)
        {
            if (InQueue)
            {
                _loop.NoteTimerDead();
            }

            Complete(Cancelled);
        }
    }

    public override string Describe() => _continuation is { } c ? CallbackNames.Of(c) : nameof(DelayTimer);

    private void OnTokenCancelled()
    {
        _cancelRequested = true;
        _loop.EnqueueStep(ToEnvelope());
    }

    private void Complete(int state)
    {
        if (_state != Pending)
        {
            return;
        }

        _state = state;
        InQueue = false;
        _registration.Dispose();
        _registration = default;
        var continuation = _continuation;
        _continuation = null;
        if (continuation is not null)
        {
            _loop.RunInline(continuation);
        }
    }
}
