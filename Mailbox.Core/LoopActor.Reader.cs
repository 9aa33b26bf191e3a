using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Mailbox;

// The reader loop: the only code that runs on the loop thread, and the only code that touches loop-owned state.
//
// Ownership. Everything declared in this file belongs to the loop thread: the ready queue, the timer queue, the live
// coroutine list, the counters and the stop bookkeeping. No lock guards them; other threads reach them only by sending
// a message (data lane, control lane, step inbox). Methods here that are also reachable from public entry points
// (EnqueueStep, OnTimerCancelled, StartDelay) check the thread first; the rest assert it in debug builds.
//
// A turn. Control messages first (they overtake data), then due timers, then data messages, then the steps that were
// ready when the turn began. When steps are waiting, the turn first runs every message accepted before it began (the
// gate's count, read when the first message is taken, tells how many), so a Yield resumes only after everything queued
// before it.
// Without waiting steps it runs at most BatchSize messages, so control and timers are looked at often. Steps that
// queue more steps while every other lane is empty go on in the same turn (RunSteps): the next turn would run just them.
//
// Batching. A reader that polls the moment it runs dry pulls the cache lines a streaming sender is writing; the two then
// move in lockstep and each message costs a line transfer (measured: 2-5x the sender's own cost). So an idle reader
// first waits an adaptive back-off: it grows while each wait yields a batch that grows with it (streaming), and shrinks
// to nothing when a wait yields a single message (request/response), so round trips keep their latency (see Idle).
// The back-off gives the core away (Thread.Yield) instead of spinning on it: on the 2-vCPU reference machine a thread
// busy on the other vCPU — spinning with pause or computing alike — slowed a channel writer from 13 to 21-22 ns per
// write, a yielding one not at all (13.8 ns); a spinning back-off taxed the very sender it waited for.
//
// Parking without lost wake-ups. When the back-off finds nothing, the reader spins briefly (a sender under load is usually
// microseconds away, and waking a parked thread costs the sender a kernel call), then arms the provider timer for the
// earliest due timer, resets the park signal, sets _parked with an Interlocked write (a full fence) and checks every
// lane once more before it waits. A sender publishes its work with an Interlocked operation of its own (the gate's
// increment, the control lane's flag, an explicit barrier for the step inbox) and only then reads _parked. Of two fenced
// writes one comes first: either the reader's re-check sees the sender's work, or the sender sees _parked set and wakes
// it. Only the sender that swaps _parked back to 0 pays for the Set.
//
// Timers. The timer queue (TimerQueue: a sorted run for timers set in due order, a heap for the rest) is the loop's
// own. The loop holds one provider ITimer, armed for the earliest due time only before it parks; its callback just
// sends TimerWake. After arming, the loop reads the clock again: a FakeTimeProvider.Advance that raced with the arming
// would otherwise leave a due timer waiting for the next wake-up, or the provider timer armed late (it counts from the
// provider's clock at Change), so a moved clock means re-arming.
public sealed partial class LoopActor
{
    /// <summary>Messages per turn when no step waits: small enough to look at control and timers often, large enough to amortise them.</summary>
    private const int BatchSize = 256;

    /// <summary>SpinWait rounds before parking; with <c>sleep1Threshold: -1</c> the later rounds yield the core rather than burn it.</summary>
    private const int SpinRounds = 40;

    /// <summary>
    /// Longest back-off before the first look for work, in units of 25 ns (about 25 µs; the unit is roughly one
    /// <see cref="Thread.SpinWait(int)"/> iteration, in which the back-off was first measured). Reached only while senders
    /// stream; measured: 256 gave 44 ns per post, 1024 gave 20–39 ns, 4096 no better, and round trips stay at their floor
    /// because request/response traffic shrinks it to 0.
    /// </summary>
    private const int MaxIdleBackoff = 1024;

    /// <summary>Re-arms of the provider timer when the clock moved while it was armed (see <see cref="ArmProviderTimer"/>).</summary>
    private const int MaxRearms = 3;

    /// <summary>Most steps a stop timeout runs to let cancelled coroutines end before it abandons the rest.</summary>
    private const int TimeoutStepBudget = 10_000;

    /// <summary>Delay timers kept for reuse at most.</summary>
    private const int DelayPoolLimit = 256;

    /// <summary>Coroutine steps ready to run on the loop thread.</summary>
    private readonly Queue<Envelope> _ready = new();

    /// <summary>The loop's timers.</summary>
    private readonly TimerQueue _timers = new();

    /// <summary>Delay timers free for reuse.</summary>
    private readonly Stack<DelayTimer> _delayPool = new();

    /// <summary>Stopwatch ticks above which a piece of work is reported slow; 0 when off. Immutable.</summary>
    private readonly long _slowTicks;

    /// <summary>Counters the reader writes on every item, away from the fields senders read.</summary>
    private ReaderHot _hot;

    /// <summary>A message read while spinning, to run before the next read.</summary>
    private Envelope _stash;

    /// <summary>Whether <see cref="_stash"/> holds a message.</summary>
    private bool _hasStash;

    /// <summary>Pending timers as of the end of the last turn, published for metrics. Written by the loop only.</summary>
    private int _publishedPendingTimers;

    /// <summary>Coroutines started and not ended; its count is read racily by the stop timeout's thread for a stuck-loop report.</summary>
    private readonly CoroutineList _live = new();

    /// <summary>The provider timer that wakes the loop for its earliest timer; created on first need.</summary>
    private ITimer? _providerTimer;

    /// <summary>The due time <see cref="_providerTimer"/> is armed for; <see cref="long.MaxValue"/> when disarmed.</summary>
    private long _armedDue = long.MaxValue;

    /// <summary>Current back-off before the first look for work when idle (see <see cref="Idle"/>).</summary>
    private int _idleBackoff;

    /// <summary>Messages run when the loop last went idle: the batch since then tells streaming from request/response.</summary>
    private long _executedAtLastIdle;

    /// <summary>Set when the loop has finished its work and the thread should exit.</summary>
    private bool _exit;

    /// <summary>Accepted messages run so far, for metrics (any thread).</summary>
    internal long ExecutedForMetrics => Volatile.Read(ref _hot.Executed);

    /// <summary>Accepted messages not yet taken, for metrics (any thread; a moment's snapshot).</summary>
    internal long DepthForMetrics => Math.Max(0, _gate.Accepted - Volatile.Read(ref _hot.Executed));

    /// <summary>Pending timers as of the loop's last turn, for metrics (any thread).</summary>
    internal int PendingTimersForMetrics => Volatile.Read(ref _publishedPendingTimers);

    private void ReaderMain()
    {
        t_current = this;
        SynchronizationContext.SetSynchronizationContext(_context);
        Publish(new LoopStarted(Name, _time.GetUtcNow(), Environment.CurrentManagedThreadId));
        LoopLog.Started(_logger, Name, Environment.CurrentManagedThreadId);
        try
        {
            while (!_exit)
            {
                if (!RunTurn() && !_exit)
                {
                    Idle();
                }
            }
        }
#pragma warning disable CA1031 // the reader must reach Finish whatever broke, or Completion would never complete
        catch (Exception e)
#pragma warning restore CA1031
        {
            LoopLog.ReaderFailed(_logger, e, Name);
            _stopMode = StopMode.Immediate;
            _timedOut = false;
        }
        finally
        {
            Finish();
        }
    }

    /// <summary>One turn; false when it found nothing to do.</summary>
    private bool RunTurn()
    {
        AssertOwner();
        bool progressed = false;
        if (_control.HasPending)
        {
            ProcessControl();
            progressed = true;
            if (_exit)
            {
                return true;
            }
        }

        progressed |= FireDueTimers();
        progressed |= MoveInbox();

        int steps = _ready.Count;
        bool dataDone = true;
        if (!_dataAbandoned)
        {
            dataDone = RunData(steps > 0, ref progressed);
        }

        if (dataDone && steps > 0)
        {
            RunSteps(steps);
            progressed = true;
        }

        if (_stopRequested)
        {
            CheckStopDone();
        }

        _publishedPendingTimers = _timers.Count;
        return progressed;
    }

    /// <summary>Runs data messages; false if it had to stop short of the messages that must precede the waiting steps.</summary>
    private bool RunData(bool stepsWaiting, ref bool progressed)
    {
        AssertOwner();
        // With steps waiting, every message accepted before the turn must run first (Yield's rule). The bound is read
        // from the gate lazily, at the first message taken: a Post that has returned has its message in the channel, so
        // a channel empty at the first look means nothing sent earlier is waiting — and a coroutine that only yields
        // never pays for reading the stripes.
        long mustReach = long.MaxValue;
        int budget = BatchSize;
        SpinWait landing = default;
        while (true)
        {
            if (mustReach != long.MaxValue && _hot.Executed >= mustReach)
            {
                return true;
            }

            if (!TryTake(out var envelope))
            {
                if (!stepsWaiting || mustReach == long.MaxValue)
                {
                    return true;
                }

                // Accepted by the gate, not yet in the channel: its sender is between the two; it lands within moments.
                if (_control.HasPending)
                {
                    return false;
                }

                landing.SpinOnce(sleep1Threshold: -1);
                continue;
            }

            if (stepsWaiting && mustReach == long.MaxValue)
            {
                mustReach = _gate.Accepted; // at least everything accepted before the turn began
            }

            progressed = true;
            Invoke(in envelope);
            if (_control.HasPending)
            {
                return !stepsWaiting || _hot.Executed >= mustReach;
            }

            if (!stepsWaiting && --budget == 0)
            {
                return true;
            }
        }
    }

    /// <summary>Takes the next data message (the stashed one first) and frees its place in a bounded mailbox.</summary>
    private bool TryTake(out Envelope envelope)
    {
        if (_hasStash)
        {
            envelope = _stash;
            _stash = default;
            _hasStash = false;
        }
        else if (!_reader.TryRead(out envelope))
        {
            return false;
        }

        _hot.Executed++; // every message taken is run: taken and executed are one count
        _room?.OnDequeued();
        return true;
    }

    /// <summary>Runs the first <paramref name="count"/> ready steps; steps they queue wait for the next turn.</summary>
    /// <remarks>
    /// When those steps have queued more and no other lane has anything (no control message, no timer, no step from
    /// another thread, no data message), the next turn would run exactly the new steps: they run here instead, without
    /// the turn's round of checks. A coroutine that only yields spends its time in this loop.
    /// </remarks>
    private void RunSteps(int count)
    {
        AssertOwner();
        while (true)
        {
            for (int i = 0; i < count && _ready.TryDequeue(out var step); i++)
            {
                Invoke(in step);
            }

            count = _ready.Count;
            if (count == 0 || _control.HasPending || _timers.Count != 0 || _stopRequested || !_stepInbox.IsEmpty || DataWaiting())
            {
                return;
            }
        }
    }

    /// <summary>Whether a data message waits, reading it into the stash (where the next turn takes it first); never once the data lane is abandoned (abandoning empties the stash).</summary>
    private bool DataWaiting()
    {
        if (_hasStash)
        {
            return true;
        }

        if (_dataAbandoned || !_reader.TryRead(out _stash))
        {
            return false;
        }

        _hasStash = true;
        return true;
    }

    /// <summary>Moves steps posted from other threads into the ready queue.</summary>
    private bool MoveInbox()
    {
        bool moved = false;
        while (_stepInbox.TryDequeue(out var step))
        {
            _ready.Enqueue(step);
            moved = true;
        }

        return moved;
    }

    /// <summary>Runs one piece of work: faults go to the fault policy, slow work is reported.</summary>
    private void Invoke(in Envelope envelope)
    {
        _hot.Busy = 1;
        bool timed = _slowTicks != 0 || LoopMetrics.Durations.Enabled;
        long started = timed ? Stopwatch.GetTimestamp() : 0;
        try
        {
            envelope.Invoke();
        }
#pragma warning disable CA1031 // a callback's fault belongs to the fault policy, never to the loop
        catch (Exception e)
#pragma warning restore CA1031
        {
            OnCallbackFaulted(e, envelope.Describe());
        }

        if (timed)
        {
            long elapsed = Stopwatch.GetTimestamp() - started;
            LoopMetrics.Durations.Record((double)elapsed / Stopwatch.Frequency, LoopMetrics.Tag(this));
            if (_slowTicks != 0 && elapsed > _slowTicks)
            {
                OnSlowCallback(envelope.Describe(), Stopwatch.GetElapsedTime(started, started + elapsed));
            }
        }

        _hot.Busy = 0;
    }

    /// <summary>Runs a continuation right away (a delay ending), under the same fault and slow-work rules.</summary>
    internal void RunInline(Action continuation) => Invoke(new Envelope(continuation));

    /// <summary>No work: spin a little, then park until a sender, a control message or the provider timer wakes the loop.</summary>
    private void Idle()
    {
        AssertOwner();
        // Adaptive back-off. A reader that looks for work the moment it runs dry reads the very cache lines a streaming
        // sender is writing, and the two then move in lockstep, one line transfer per message. So before its first
        // look the reader waits _idleBackoff units (BackOff), adapted to what the last wait produced: a sender that
        // streams fills a batch that grows with the wait (grow it, up to MaxIdleBackoff); request/response traffic
        // yields one message whatever the wait (shrink it, so a request is picked up at once).
        long batch = _hot.Executed - _executedAtLastIdle;
        if (_idleBackoff > 0)
        {
            BackOff(_idleBackoff);
        }

        bool found = HasWorkCheap();
        bool streaming = found && (_idleBackoff == 0 || batch >= Math.Max(2, _idleBackoff));
        _idleBackoff = streaming ? Math.Min((_idleBackoff * 2) + 1, MaxIdleBackoff) : _idleBackoff >> 1;
        _executedAtLastIdle = _hot.Executed;
        if (found)
        {
            return;
        }

        SpinWait spinner = default;
        for (int i = 0; i < SpinRounds; i++)
        {
            if (HasWorkCheap())
            {
                return;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        if (!ArmProviderTimer())
        {
            return;
        }

        _parkSignal.Reset();
        Interlocked.Exchange(ref _parked.Value, 1);
        if (HasWorkCheap() || (!_dataAbandoned && _gate.Accepted > _hot.Executed))
        {
            Interlocked.Exchange(ref _parked.Value, 0);
            return;
        }

        _parkSignal.WaitOne();
    }

    /// <summary>
    /// Waits about <paramref name="units"/> × 25 ns (at least one yield, ~0.5 µs here) without occupying the core: by
    /// yielding it, not by spinning. Measured with one producer posting 1,000,000 callbacks (a stopwatch harness
    /// alternating with a raw channel loop, medians of 20 rounds): 1.71× the raw loop's time with a spinning back-off,
    /// 1.33–1.43× with this one; round trips unchanged (request/response shrinks the back-off to nothing).
    /// </summary>
    private static void BackOff(int units)
    {
        long until = Stopwatch.GetTimestamp() + (units * Stopwatch.Frequency / 40_000_000);
        do
        {
            Thread.Yield();
        }
        while (Stopwatch.GetTimestamp() < until);
    }

    /// <summary>Whether any lane has work, reading a waiting message into the stash.</summary>
    private bool HasWorkCheap()
    {
        return _control.HasPending || _ready.Count > 0 || !_stepInbox.IsEmpty || DataWaiting();
    }

    /// <summary>Sets the provider timer for the earliest timer; false if a timer is already due (so the loop must not park).</summary>
    private bool ArmProviderTimer()
    {
        if (!_timers.TryPeekDue(out long due))
        {
            if (_armedDue != long.MaxValue)
            {
                _providerTimer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _armedDue = long.MaxValue;
            }

            return true;
        }

        long now = NowTicks();
        if (due <= now)
        {
            return false;
        }

        if (due == _armedDue)
        {
            return true;
        }

        // A provider timer is armed relative to the provider's clock at Change. A clock that moved between our reading
        // and Change (a FakeTimeProvider.Advance from another thread, say) arms it late by that much — with a fake clock,
        // for ever. So read the clock again: if it passed the due time, don't park; if it moved, arm again from the new
        // reading. A fake clock moves only when advanced, so an unchanged reading proves the arming exact; a real clock
        // moves by microseconds between two readings, so a bounded number of re-arms keeps the error to those.
        for (int attempt = 0; ; attempt++)
        {
            // Far-off timers are armed in steps: a provider timer may not accept a due time of months.
            var dueIn = TimeSpan.FromTicks(Math.Min(due - now, TimeSpan.TicksPerDay * 7));
            _providerTimer ??= _time.CreateTimer(static s => ((LoopActor)s!).OnProviderTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _providerTimer.Change(dueIn, Timeout.InfiniteTimeSpan);
            _armedDue = due;
            long after = NowTicks();
            if (after >= due)
            {
                return false;
            }

            if (after == now || attempt == MaxRearms)
            {
                return true;
            }

            now = after;
        }
    }

    /// <summary>The provider timer's callback, on whatever thread the provider uses: only a message.</summary>
    private void OnProviderTimer() => SendControl(new ControlMessage(ControlKind.TimerWake));

    private void ProcessControl()
    {
        AssertOwner();
        var messages = _control.TakeAll();
        while (messages.TryDequeue(out var message))
        {
            switch (message.Kind)
            {
                case ControlKind.Stop:
                    BeginStop();
                    break;
                case ControlKind.Query:
                    ((TaskCompletionSource<PendingWork>)message.Payload!).TrySetResult(SnapshotPending());
                    break;
                case ControlKind.ScheduleTimer:
                    AddTimer((TimerHandle)message.Payload!, message.Ticks);
                    break;
                case ControlKind.TimerCancelled:
                    NoteCancelledInQueue((TimerHandle)message.Payload!);
                    break;
                case ControlKind.TimerWake:
                    _armedDue = long.MaxValue;
                    break;
                case ControlKind.StopTimeout:
                    OnStopTimeout();
                    break;
                case ControlKind.UnobservedFault:
                    Publish((UnobservedCoroutineFault)message.Payload!);
                    break;
                case ControlKind.MailboxFull:
                    Volatile.Write(ref _fullNoticePending, 0);
                    OnMailboxFull();
                    break;
            }
        }
    }

    private PendingWork SnapshotPending()
    {
        AssertOwner();
        long queued = _dataAbandoned ? 0 : _gate.Accepted - _hot.Executed;
        DateTimeOffset? next = _timers.TryPeekDue(out long due) ? new DateTimeOffset(due, TimeSpan.Zero) : null;
        return new PendingWork(
            (int)Math.Min(queued, int.MaxValue),
            _ready.Count + _stepInbox.Count,
            _live.Count,
            _timers.Count,
            next);
    }

    internal void AddLive(CoroutineRequest request)
    {
        AssertOwner();
        _live.Add(request);
    }

    internal void RemoveLive(CoroutineRequest request)
    {
        AssertOwner();
        _live.Remove(request);
    }

    internal void RemoveQueued(CoroutineRequest request) => _queued.Remove(request);

    private long NowTicks() => _time.GetUtcNow().UtcTicks;

    /// <summary>Checks, in debug builds, that loop-owned state is being touched by the loop thread.</summary>
    [Conditional("DEBUG")]
    private void AssertOwner() => Debug.Assert(IsOnLoopThread, $"loop-owned state of '{Name}' touched from thread {Environment.CurrentManagedThreadId}");

    /// <summary>Fields the reader writes per item, on their own cache lines.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct ReaderHot
    {
        /// <summary>Accepted messages taken from the data lane and run (the stop timeout's thread and metrics read it).</summary>
        [FieldOffset(64)]
        public long Executed;

        /// <summary>1 while a piece of work runs (the stop timeout's thread reads it to tell a stuck loop).</summary>
        [FieldOffset(72)]
        public int Busy;
    }
}
