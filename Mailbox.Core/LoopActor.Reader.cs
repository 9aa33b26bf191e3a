using System.Diagnostics;

namespace Mailbox;

// The loop's turn: the only code that runs the loop's work, always on the LoopThread the loop is pinned to (its own
// thread when dedicated, one thread of its group otherwise), called by that thread's scheduler (Scheduling/LoopThread.cs).
//
// Ownership. Everything declared in this file belongs to the loop's thread and is touched only inside the loop's turns:
// the ready queue, the timer queue, the live coroutine list, the counters and the stop bookkeeping. No lock guards them;
// other threads reach them only by sending a message (data lane, control lane, step inbox). Methods here that are also
// reachable from public entry points (EnqueueStep, OnTimerCancelled, StartDelay) check the thread first; the rest assert
// it in debug builds.
//
// A turn. Control messages first (they overtake data), then due timers, then data messages, then the steps that were
// ready when the turn began; at most the thread's budget of messages and steps in all, so siblings on a shared thread
// get their turns. When steps are waiting, every message accepted before the first of them was taken must run first
// (Yield's rule): the bound (_mustReach) is read from the gate lazily, at the first message taken, and kept across turns
// until reached, so a long backlog delays the step without ever letting the turn run past its budget.
//
// Executed count. During a turn the count of messages run lives on the thread's own cache line (LoopThread.TurnExecuted),
// so the one write per message never touches a line that senders of this loop read; it moves back here at the turn's end.
//
// Going idle. After a turn with nothing left the thread calls TryGoIdle: it writes Idle with a full fence, then looks at
// every lane and at the gate's accepted count (a sender counted by the gate may not have written to the channel yet).
// A sender publishes with an Interlocked operation and then reads the status, so one of the two sees the other (see
// LoopThread.cs). Timers: after each turn the loop tells its thread's clock its earliest due time, if it moved earlier.
public sealed partial class LoopActor
{
    /// <summary>Messages and steps per turn of a dedicated loop: small enough to look at control and timers often, large enough to amortise them.</summary>
    internal const int DedicatedTurnBudget = 256;

    /// <summary>Most steps a stop timeout runs to let cancelled coroutines end before it abandons the rest.</summary>
    private const int TimeoutStepBudget = 10_000;

    /// <summary>Delay timers kept for reuse at most.</summary>
    private const int DelayPoolLimit = 256;

    /// <summary>No Yield bound is pending (see <see cref="_mustReach"/>).</summary>
    private const long NoBound = long.MaxValue;

    /// <summary>Coroutine steps ready to run on the loop thread; created with the first (a loop that only runs posts never has one).</summary>
    private Queue<Envelope>? _ready;

    /// <summary>Stopwatch ticks above which a piece of work is reported slow; 0 when off. Immutable.</summary>
    private readonly long _slowTicks;

    /// <summary>Coroutines started and not ended; its count is read racily by the stop timeout's thread for a stuck-loop report.</summary>
    private readonly CoroutineList _live = new();

    /// <summary>The loop's timers; created with the first one.</summary>
    private TimerQueue? _timers;

    /// <summary>Delay timers free for reuse; created with the first returned one.</summary>
    private Stack<DelayTimer>? _delayPool;

    /// <summary>Whether a timer with a zero delay was set on the loop since the last pass fired timers (see <see cref="NoteZeroDelay"/>).</summary>
    private bool _zeroDelaySet;


    /// <summary>Accepted messages run, as of the end of the last turn (during a turn the count is on the thread's line).</summary>
    private long _executed;

    /// <summary>Whether a turn of this loop is running (so the live count is <see cref="LoopThread.TurnExecuted"/>).</summary>
    private bool _inTurn;

    /// <summary>Turns the thread has given this loop. Written by the loop thread only; read by metrics from any thread.</summary>
    private long _turns;

    /// <summary>The accepted count every message must reach before waiting steps run (Yield's rule); <see cref="NoBound"/> when none.</summary>
    private long _mustReach = NoBound;

    /// <summary>A message read while looking for work, to run before the next read.</summary>
    private Envelope _stash;

    /// <summary>Whether <see cref="_stash"/> holds a message.</summary>
    private bool _hasStash;

    /// <summary>Whether the loop's first turn has run (it publishes the start); set at spawn when nobody listens for it.</summary>
    private bool _started;

    /// <summary>Pending timers as of the end of the last turn, published for metrics. Written by the loop only.</summary>
    private int _publishedPendingTimers;

    /// <summary>The thread's clock for this loop's provider; set with the first timer registration.</summary>
    private LoopClock? _clock;

    /// <summary>This loop's entry in <see cref="_clock"/>; cleared when the loop finishes so the clock never holds it.</summary>
    private ClockEntry? _clockEntry;

    /// <summary>Set when the loop has finished its work and its thread should finish it.</summary>
    private bool _exit;

    /// <summary>The earliest due time registered with the thread's clock; <see cref="long.MaxValue"/> when none. Loop thread only.</summary>
    internal long ClockDue { get; set; } = long.MaxValue;

    /// <summary>Whether the loop has finished its work (its thread then calls <see cref="Finish"/>). Loop thread only.</summary>
    internal bool IsExiting => _exit;

    /// <summary>Accepted messages run so far, the running one included, for metrics (any thread; a moment's snapshot).</summary>
    internal long ExecutedForMetrics
    {
        get
        {
            // During a turn the count is on the thread's line; read it only while the thread is still on this loop
            // before and after the read (a turn of a sibling overwrites it), else the count the last turn left here.
            if (_lt.IsRunning(this))
            {
                long turn = Volatile.Read(ref _lt.TurnExecuted);
                if (_lt.IsRunning(this))
                {
                    return turn;
                }
            }

            return Volatile.Read(ref _executed);
        }
    }

    /// <summary>Turns begun so far, for metrics (any thread).</summary>
    internal long TurnsForMetrics => Volatile.Read(ref _turns);

    /// <summary>Accepted messages not yet taken, for metrics (any thread; a moment's snapshot).</summary>
    internal long DepthForMetrics => Math.Max(0, _gate.Accepted - ExecutedForMetrics);

    /// <summary>Pending timers as of the loop's last turn, for metrics (any thread).</summary>
    internal int PendingTimersForMetrics => Volatile.Read(ref _publishedPendingTimers);

    /// <summary>The ready queue, created with the first step. Loop thread only.</summary>
    private Queue<Envelope> Ready => _ready ??= new Queue<Envelope>();

    /// <summary>Ready steps. Loop thread only.</summary>
    private int ReadyCount => _ready?.Count ?? 0;

    /// <summary>Accepted messages run so far. Loop thread only.</summary>
    private long Executed => _inTurn ? _lt.TurnExecuted : _executed;

    /// <summary>Makes this loop the calling thread's current loop: <see cref="Current"/>, <see cref="IsOnLoopThread"/> and the context its awaits resume on.</summary>
    internal void Install()
    {
        t_current = this;
        SynchronizationContext.SetSynchronizationContext(_context);
    }

    /// <summary>Leaves the calling thread with no current loop.</summary>
    internal static void Uninstall()
    {
        t_current = null;
        SynchronizationContext.SetSynchronizationContext(null);
    }

    /// <summary>One turn, at most <paramref name="budget"/> messages and steps; returns how many messages it ran.</summary>
    /// <param name="budget">The thread's turn budget.</param>
    /// <param name="more">Whether work is known to be left (the loop goes straight back into the thread's queue).</param>
    internal long RunTurn(int budget, out bool more)
    {
        AssertOwner();
        Volatile.Write(ref _turns, _turns + 1); // one plain store a turn: only this thread writes it
        long before = _executed;
        _lt.TurnExecuted = before; // before the thread says it runs this loop: racy readers then see this loop's count
        _lt.Running = this;
        _inTurn = true;
        more = false;
        try
        {
            if (!_started)
            {
                _started = true;
                if (_options.Observer is not null)
                {
                    Publish(new LoopStarted(Name, _time.GetUtcNow(), Environment.CurrentManagedThreadId));
                }

                LoopLog.Started(_logger, Name, Environment.CurrentManagedThreadId);
            }

            more = RunTurnCore(budget);
        }
#pragma warning disable CA1031 // a failure of the library's own code ends this loop, never its thread's other loops
        catch (Exception e)
#pragma warning restore CA1031
        {
            FailOwnCode(e);
        }
        finally
        {
            _executed = _lt.TurnExecuted; // before the thread stops saying it runs this loop
            _inTurn = false;
            _lt.Running = null;
        }

        return _executed - before;
    }

    /// <summary>The turn's work; true when work is known to be left.</summary>
    private bool RunTurnCore(int budget)
    {
        if (ControlPending)
        {
            ProcessControl();
            if (_exit)
            {
                return false;
            }
        }

        bool dataDone = true; // assigned in every pass; initialised so that a mutation tool can compile its mutants of the loop
        while (true)
        {
            FireDueTimers();
            MoveInbox();

            int steps = ReadyCount;
            dataDone = true;
            if (!_dataAbandoned)
            {
                dataDone = RunData(steps > 0, ref budget);
            }

            if (dataDone && steps > 0 && budget > 0)
            {
                RunSteps(steps, ref budget);
            }

            // A zero delay set in this turn is due now, so the next turn would begin with the timer pass that fires it:
            // with the budget left and no control message or stop to take first, that turn is taken here, without
            // leaving the loop's thread and coming back (a coroutine that awaits Delay(Zero) spends its time in this
            // loop, as one that yields spends it in RunSteps'). Each such pass counts against the budget, so even a
            // chain of zero delays that readies no step gives way to the thread's other loops.
            if (!_zeroDelaySet || !dataDone || budget <= 1 || ControlPending || _stopRequested)
            {
                break;
            }

            budget--;
        }

        if (_stopRequested)
        {
            CheckStopDone();
        }

        _publishedPendingTimers = _timers?.Count ?? 0;
        return !_exit && (budget == 0 || !dataDone || ReadyCount > 0 || _zeroDelaySet);
    }

    /// <summary>Runs data messages; false if it stopped short of the messages that must precede the waiting steps.</summary>
    private bool RunData(bool stepsWaiting, ref int budget)
    {
        AssertOwner();

        // With steps waiting, every message accepted before them must run first (Yield's rule). A Post that has returned
        // has its message in the channel, so a channel empty at the first look means nothing sent earlier is waiting —
        // and a coroutine that only yields never pays for reading the gate.
        SpinWait landing = default;
        while (budget > 0)
        {
            if (_mustReach != NoBound && _lt.TurnExecuted >= _mustReach)
            {
                _mustReach = NoBound;
                return true;
            }

            if (!TryTake(out var envelope))
            {
                if (!stepsWaiting || _mustReach == NoBound)
                {
                    return true;
                }

                // Accepted by the gate, not yet in the channel: its sender is between the two; it lands within moments.
                if (ControlPending)
                {
                    return false;
                }

                landing.SpinOnce(sleep1Threshold: -1);
                continue;
            }

            if (stepsWaiting && _mustReach == NoBound)
            {
                _mustReach = _gate.Accepted; // at least everything accepted before the steps were queued
            }

            budget--;
            Invoke(in envelope);
            if (ControlPending)
            {
                return !stepsWaiting || Reached();
            }
        }

        return !stepsWaiting || Reached();
    }

    /// <summary>Whether the pending Yield bound has been reached (and clears it if so).</summary>
    private bool Reached()
    {
        if (_mustReach != NoBound && _lt.TurnExecuted < _mustReach)
        {
            return false;
        }

        _mustReach = NoBound;
        return true;
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
        else if ((_gate.IsSingle && _lt.TurnExecuted >= _gate.Accepted) || !_reader.TryRead(out envelope))
        {
            // A one-field gate whose count has been reached says the lane is empty without taking the lane's lock.
            envelope = default;
            return false;
        }

        _lt.TurnExecuted++; // every message taken is run: taken and executed are one count
        _room?.OnDequeued();
        return true;
    }

    /// <summary>Runs the first <paramref name="count"/> ready steps within the budget; steps they queue wait for the next turn.</summary>
    /// <remarks>
    /// When those steps have queued more and no other lane has anything (no control message, no timer, no step from
    /// another thread, no data message), the next turn would run exactly the new steps: they run here instead, without
    /// the turn's round of checks, as long as the budget lasts. A coroutine that only yields spends its time in this loop.
    /// </remarks>
    private void RunSteps(int count, ref int budget)
    {
        AssertOwner();
        var ready = _ready!; // count > 0: it exists
        while (true)
        {
            for (int i = 0; i < count && budget > 0 && ready.TryDequeue(out var step); i++)
            {
                budget--;
                Invoke(in step);
            }

            count = ready.Count;
            if (count == 0 || budget == 0 || ControlPending || _timers is { Count: > 0 } || _stopRequested || _stepInbox is { IsEmpty: false } || DataWaiting())
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
    private void MoveInbox()
    {
        if (_stepInbox is not { } inbox)
        {
            return;
        }

        while (inbox.TryDequeue(out var step))
        {
            Ready.Enqueue(step);
        }
    }

    /// <summary>
    /// After a turn that left nothing to do: Idle, unless a lane has work after all (then it stays Scheduled and the
    /// caller queues it again). Returns true when the caller must not queue it (idle, or a sender has just queued it).
    /// </summary>
    internal bool TryGoIdle()
    {
        AssertOwner();
        Interlocked.Exchange(ref _status, StatusIdle); // the loop's fence of the scheduling handshake
        if (!HasWork())
        {
            return true;
        }

        // Work arrived: take the loop back unless a sender already has (it queued the loop itself).
        return Interlocked.CompareExchange(ref _status, StatusScheduled, StatusIdle) != StatusIdle;
    }

    /// <summary>
    /// Whether a lane has work, looked at cheaply while the loop stays Scheduled and its thread spins for it (no gate sum
    /// for a striped gate: a sender the gate has counted lands in the channel within moments, and <see cref="TryGoIdle"/>
    /// reads the gate before the thread may park). Loop thread only, between turns.
    /// </summary>
    internal bool HasWorkWhileSpinning()
    {
        AssertOwner();
        return ControlPending || ReadyCount > 0 || _stepInbox is { IsEmpty: false } || _hasStash
            || (!_dataAbandoned && (_gate.IsSingle ? _gate.Accepted > _executed : DataWaiting()));
    }

    /// <summary>Whether any lane has work; the gate's count covers a sender that has been accepted but not yet written (and, for a one-field gate, the whole data lane).</summary>
    private bool HasWork() =>
        ControlPending || ReadyCount > 0 || _stepInbox is { IsEmpty: false } || _hasStash
        || (!_dataAbandoned && ((!_gate.IsSingle && DataWaiting()) || _gate.Accepted > _executed));

    /// <summary>Moves the loop from Idle to Scheduled for a clock that found its timer due; false if it already is (or has finished).</summary>
    internal bool TryScheduleForTimers() =>
        Volatile.Read(ref _status) == StatusIdle && Interlocked.CompareExchange(ref _status, StatusScheduled, StatusIdle) == StatusIdle;

    /// <summary>
    /// Tells the thread's clock about the earliest timer if it moved earlier than the one registered. After each turn.
    /// A provider that fails to arm for it ends the loop (<see cref="IsExiting"/>): its timers could never fire.
    /// </summary>
    internal void RegisterTimers()
    {
        AssertOwner();
        if (_zeroDelaySet || _timers is not { Count: > 0 } timers || !timers.TryPeekWakeDue(out long due) || due >= ClockDue)
        {
            return; // with a zero delay set, the loop's next turn comes at once and registers what is left
        }

        if (_clock is null)
        {
            _clock = _lt.ClockFor(_time);
            _clock.Loops++;
        }

        _clockEntry ??= new ClockEntry(this);
        ClockDue = due;
        bool armed;
        try
        {
            armed = _clock.Register(_clockEntry, due);
        }
#pragma warning disable CA1031 // the provider's failure is this loop's, never its thread's other loops'
        catch (Exception e)
#pragma warning restore CA1031
        {
            FailOwnCode(e);
            return;
        }

        if (!armed)
        {
            _lt.FlagClockDue();
        }
    }

    /// <summary>Runs one piece of work: faults go to the fault policy, slow work is reported.</summary>
    private void Invoke(in Envelope envelope)
    {
        _lt.SetBusy(true);
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

        _lt.SetBusy(false);
    }

    /// <summary>Runs a continuation right away (a delay ending), under the same fault and slow-work rules.</summary>
    internal void RunInline(Action continuation) => Invoke(new Envelope(continuation));

    private void ProcessControl()
    {
        AssertOwner();
        var lane = _control!; // pending, so it exists
        lane.TakeAll();
        while (lane.TryNext(out var message))
        {
            switch (message.Kind)
            {
                case ControlKind.Stop:
                    BeginStop();
                    break;
                case ControlKind.Query:
                    ((TaskCompletionSource<PendingWork>)message.Payload!).TrySetResult(SnapshotPending());
                    break;
                case ControlKind.ScheduleTimer when message.Payload is TimerCell cell:
                    AddTimer(cell, message.Ticks);
                    break;
                case ControlKind.ScheduleTimer:
                    AddTimer((TimerHandle)message.Payload!, message.Ticks);
                    break;
                case ControlKind.TimerCancelled when message.Payload is TimerCell cell:
                    NoteCancelled(cell, message.Ticks);
                    break;
                case ControlKind.TimerCancelled:
                    NoteCancelledInQueue((TimerHandle)message.Payload!);
                    break;
                case ControlKind.StopTimeout:
                    OnStopTimeout();
                    break;
                case ControlKind.UnobservedFault:
                    var (coroutineName, exception) = ((string, Exception))message.Payload!;
                    OnUnobservedCoroutineFault(coroutineName, exception);
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
        long queued = _dataAbandoned ? 0 : _gate.Accepted - Executed;
        DateTimeOffset? next = _timers is { } timers && timers.TryPeekDue(out long due) ? new DateTimeOffset(due, TimeSpan.Zero) : null;
        return new PendingWork(
            (int)Math.Min(queued, int.MaxValue),
            ReadyCount + (_stepInbox?.Count ?? 0),
            _live.Count,
            _timers?.Count ?? 0,
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

    /// <summary>Checks, in debug builds, that loop-owned state is being touched inside this loop's turn.</summary>
    [Conditional("DEBUG")]
    private void AssertOwner() => Debug.Assert(IsOnLoopThread, $"loop-owned state of '{Name}' touched from thread {Environment.CurrentManagedThreadId}");
}
