namespace Mailbox;

// Timers, seen from both sides. From any thread, CallLater/CallAt/CallEvery only build a handle and send it, with its
// due time, on the control lane (on the loop thread they go straight into the timer queue); "now" is the provider's time
// at the call. The loop fires due timers at the start of each turn, in due order, FIFO for equal due times.
public sealed partial class LoopActor
{
    /// <summary>Runs <paramref name="callback"/> on the loop thread once <paramref name="delay"/> has passed on the loop's clock.</summary>
    /// <param name="delay">Zero or more; zero fires at the next turn.</param>
    /// <param name="callback">The callback; an exception from it goes to the fault policy.</param>
    /// <returns>A handle that can cancel the timer from any thread.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative, infinite, or beyond the clock's range.</exception>
    /// <exception cref="LoopStoppedException">The loop is stopping or stopped.</exception>
    public TimerHandle CallLater(TimeSpan delay, Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ValidateDelay(delay, nameof(delay));
        long due = DueAfter(delay, nameof(delay));
        var handle = Schedule(new TimerHandle(this, callback, 0), due);
        NoteZeroDelay(delay, due);
        return handle;
    }

    /// <summary>
    /// Runs <paramref name="callback"/> with <paramref name="state"/> on the loop thread once <paramref name="delay"/> has
    /// passed on the loop's clock. Called on the loop thread, it allocates nothing in steady state (no
    /// <see cref="TimerHandle"/>: what stands behind the token is reused, and a value-type state rides in a pooled box) —
    /// the form for code that sets many timers, such as a timeout per request; from another thread it allocates one small
    /// object per timer.
    /// </summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <param name="delay">Zero or more; zero fires at the next turn.</param>
    /// <param name="callback">The callback; an exception from it goes to the fault policy.</param>
    /// <param name="state">The callback's argument.</param>
    /// <returns>A token that can cancel the timer from any thread.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative, infinite, or beyond the clock's range.</exception>
    /// <exception cref="LoopStoppedException">The loop is stopping or stopped.</exception>
    public TimerToken CallLater<TState>(TimeSpan delay, Action<TState> callback, TState state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ValidateDelay(delay, nameof(delay));
        long due = DueAfter(delay, nameof(delay));
        if (State != LoopState.Running)
        {
            throw Stopped("timer");
        }

        if (IsOnLoopThread)
        {
            var cell = Timers.RentCell(this);
            var token = new TimerToken(cell, cell.Generation);
            cell.Work = StateInvoker<TState>.Wrap(callback, state);
            AddTimer(cell, due);
            NoteZeroDelay(delay, due);
            return token;
        }

        var fresh = new TimerCell(this) { Work = StateInvoker<TState>.Wrap(callback, state) };
        if (!SendControl(new ControlMessage(ControlKind.ScheduleTimer, fresh, due)))
        {
            throw Stopped("timer");
        }

        return new TimerToken(fresh, 0);
    }

    /// <summary>Runs <paramref name="callback"/> on the loop thread when the loop's clock reaches <paramref name="due"/>. A time in the past fires at the next turn.</summary>
    /// <param name="due">When, on the loop's clock.</param>
    /// <param name="callback">The callback.</param>
    /// <returns>A handle that can cancel the timer from any thread.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="LoopStoppedException">The loop is stopping or stopped.</exception>
    public TimerHandle CallAt(DateTimeOffset due, Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Schedule(new TimerHandle(this, callback, 0), due.UtcTicks);
    }

    /// <summary>
    /// Runs <paramref name="callback"/> every <paramref name="period"/>, first one period after the call. The schedule does
    /// not drift: each firing is due one period after the previous due time, not after the callback ran. If the loop
    /// fell behind by several periods, the timer fires once and skips to the next due time still in the future.
    /// </summary>
    /// <param name="period">Positive and finite.</param>
    /// <param name="callback">The callback; an exception from it is reported and the timer goes on.</param>
    /// <returns>A handle whose <see cref="TimerHandle.Cancel"/> stops the repetition.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="period"/> is zero, negative or infinite.</exception>
    /// <exception cref="LoopStoppedException">The loop is stopping or stopped.</exception>
    public TimerHandle CallEvery(TimeSpan period, Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        return Schedule(new TimerHandle(this, callback, period.Ticks), DueAfter(period, nameof(period)));
    }

    /// <summary>
    /// A timer set on the loop thread with a zero delay is due before the turn ends: the loop takes another turn for it
    /// at once (behind its thread's other ready loops) instead of arming its clock — what makes a <c>Delay(Zero)</c> step
    /// cost a turn, not a provider timer. Its due time is the clock reading just taken, which the queue notes, so that
    /// the pass that fires it need not read the clock again.
    /// </summary>
    private void NoteZeroDelay(TimeSpan delay, long due)
    {
        if (delay == TimeSpan.Zero && IsOnLoopThread)
        {
            NoteZeroDelayOnLoop(due);
        }
    }

    private void NoteZeroDelayOnLoop(long due)
    {
        AssertOwner();
        _zeroDelaySet = true;
        _timers?.NoteReading(due);
    }

    private static void ValidateDelay(TimeSpan delay, string name)
    {
        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, delay, "A delay must be zero or positive; infinite delays are not timers.");
        }
    }

    private long DueAfter(TimeSpan delay, string name)
    {
        long now = NowTicks();
        if (delay.Ticks > DateTimeOffset.MaxValue.UtcTicks - now)
        {
            throw new ArgumentOutOfRangeException(name, delay, "The delay reaches beyond the clock's range.");
        }

        return now + delay.Ticks;
    }

    private TimerHandle Schedule(TimerHandle handle, long dueTicks)
    {
        if (State != LoopState.Running)
        {
            throw Stopped("timer");
        }

        if (IsOnLoopThread)
        {
            AddTimer(handle, dueTicks);
        }
        else if (!SendControl(new ControlMessage(ControlKind.ScheduleTimer, handle, dueTicks)))
        {
            throw Stopped("timer");
        }

        return handle;
    }

    /// <summary>Puts a handle into the timer queue, or cancels it at once if the stop has begun. Loop thread only.</summary>
    private void AddTimer(TimerHandle handle, long dueTicks)
    {
        AssertOwner();
        if (handle.IsCancelled)
        {
            return;
        }

        if (_stopRequested)
        {
            if (handle.CancelForStop())
            {
                _cancelledTimers++;
            }

            return;
        }

        handle.InQueue = true;
        Timers.Add(new TimerEntry(handle), dueTicks);
    }

    /// <summary>
    /// Puts a cell's current use into the timer queue; a use cancelled before it arrived (a token cancelled while its
    /// ScheduleTimer message travelled) is left to that cancel's own message, and one that meets the stop is cancelled.
    /// Loop thread only.
    /// </summary>
    private void AddTimer(TimerCell cell, long dueTicks)
    {
        AssertOwner();
        long generation = cell.Generation;
        if (_stopRequested)
        {
            if (cell.TryCancel(generation))
            {
                _cancelledTimers++;
            }

            return;
        }

        if (cell.IsCancelled(generation))
        {
            return;
        }

        // The sequence goes in before the entry: adding may move the heap to the wheel, which drops what reads as dead.
        cell.InQueue = true;
        cell.QueueSequence = Timers.NextSequence;
        Timers.Add(new TimerEntry(cell), dueTicks);
    }

    /// <summary>A token cancelled its timer: count it out of the timer queue and recycle the cell, on the loop thread (directly, or by message).</summary>
    internal void OnTimerCancelled(TimerCell cell, long generation)
    {
        if (IsOnLoopThread)
        {
            NoteCancelled(cell, generation);
        }
        else
        {
            SendControl(new ControlMessage(ControlKind.TimerCancelled, cell, generation));
        }
    }

    private void NoteCancelled(TimerCell cell, long generation)
    {
        AssertOwner();
        if (cell.Generation != generation)
        {
            return; // a stop cancelled it too, and is done with the loop
        }

        if (cell.InQueue)
        {
            cell.InQueue = false;
            _timers!.NoteDead();
        }

        ReturnCell(cell);
    }

    /// <summary>Ends a cell's use and gives it to the timer queue's pool.</summary>
    private void ReturnCell(TimerCell cell)
    {
        cell.Recycle();
        _timers?.ReturnCell(cell);
    }

    /// <summary>A handle was cancelled: count it out of the timer queue, on the loop thread (directly, or by message).</summary>
    internal void OnTimerCancelled(TimerHandle handle)
    {
        if (IsOnLoopThread)
        {
            NoteCancelledInQueue(handle);
        }
        else
        {
            SendControl(new ControlMessage(ControlKind.TimerCancelled, handle));
        }
    }

    private void NoteCancelledInQueue(TimerHandle handle)
    {
        AssertOwner();
        if (handle.InQueue)
        {
            handle.InQueue = false;
            _timers!.NoteDead();
        }
    }

    internal void NoteTimerDead() => _timers!.NoteDead();

    /// <summary>The timer queue, created with the first timer. Loop thread only.</summary>
    private TimerQueue Timers => _timers ??= new TimerQueue();

    /// <summary>Fires every timer due now; false if none was due.</summary>
    private bool FireDueTimers()
    {
        AssertOwner();
        _zeroDelaySet = false; // this pass fires every zero delay set so far (due by their own readings) or finds it cancelled
        if (_timers is not { Count: > 0 } timers)
        {
            return false;
        }

        // A timer due by the latest reading the loop took (a pass's, or a zero delay's: its due time) is due now, so the
        // pass fires those first without reading the clock (a Delay(Zero) step costs one read, not two); it reads the
        // clock only if a timer set before the pass is left, and before a periodic timer, whose next due time depends on
        // the time it fires at. Firing in due order at an older reading and then at a newer one is the order one pass at
        // the newer reading would give.
        long now = timers.LastReading;
        bool fresh = false;
        long setBefore = timers.NextSequence;
        int olderLeft = timers.Count; // timers set before this pass and not fired by it (or since cancelled)
        bool fired = false;
        while (true)
        {
            // Every timer set before the pass has fired: what is left was set meanwhile and waits for the next pass, so
            // the queue is not asked again (a Delay(Zero) step's pass asks once).
            if (olderLeft == 0)
            {
                break;
            }

            if (!timers.TryDequeueDue(now, setBefore, out var entry, out long due))
            {
                // What the callbacks set meanwhile waits for the next pass anyway: only an older timer needs the read.
                if (fresh)
                {
                    break;
                }

                now = ReadClockFor(timers);
                fresh = true;
                continue;
            }

            fired = true;
            olderLeft--;
            if (entry.Timer is TimerCell cell)
            {
                cell.InQueue = false;
                if (cell.TryBeginFire())
                {
                    // Recycled before the callback runs: the firing has won, so no cancel can reach this use, and a timer
                    // the callback sets reuses the cell at once.
                    var work = cell.Work;
                    ReturnCell(cell);
                    Invoke(work);
                }
            }
            else if (entry.Timer is TimerHandle handle)
            {
                handle.InQueue = false;
                if (!fresh && handle.PeriodTicks != 0)
                {
                    now = ReadClockFor(timers);
                    fresh = true;
                }

                Fire(handle, due, now);
            }
            else
            {
                ((DelayTimer)entry.Timer).Elapse();
            }

            if (ControlPending)
            {
                break;
            }
        }

        return fired;
    }

    /// <summary>Reads the clock for a pass and lets the queue note the reading. Loop thread only.</summary>
    private long ReadClockFor(TimerQueue timers)
    {
        long now = NowTicks();
        timers.NoteReading(now);
        return now;
    }

    private void Fire(TimerHandle handle, long due, long now)
    {
        if (!handle.TryBeginFire())
        {
            return;
        }

        Invoke(new Envelope(handle.Callback));
        if (handle.PeriodTicks == 0 || handle.IsCancelled || _stopRequested)
        {
            if (_stopRequested && handle.PeriodTicks != 0 && handle.CancelForStop())
            {
                _cancelledTimers++;
            }

            return;
        }

        // Next due = previous due + period; if the loop fell behind, skip to the first slot still in the future.
        long period = handle.PeriodTicks;
        long next = due + period;
        if (next <= now)
        {
            next = due + (((now - due) / period) + 1) * period;
        }

        handle.InQueue = true;
        Timers.Add(new TimerEntry(handle), next);
    }

    /// <summary>Starts a <see cref="Delay"/> on this loop. Loop thread only (checked by the caller).</summary>
    private LoopDelayAwaitable StartDelay(TimeSpan delay, CancellationToken cancellationToken)
    {
        AssertOwner();
        if (_dataAbandoned)
        {
            throw new LoopStoppedException($"Loop '{Name}' is stopping and has cancelled its timers.");
        }

        long due = DueAfter(delay, nameof(delay));
        var timer = cancellationToken.CanBeCanceled
            ? new DelayTimer(this, pooled: false)
            : _delayPool is not null && _delayPool.TryPop(out var pooled) ? pooled : new DelayTimer(this, pooled: true);
        timer.Start(cancellationToken);
        timer.InQueue = true;
        timer.QueueSequence = Timers.NextSequence; // before the entry, as for a cell
        Timers.Add(new TimerEntry(timer), due);
        if (delay == TimeSpan.Zero)
        {
            NoteZeroDelayOnLoop(due); // on the loop thread already: no second look at the thread
        }

        return new LoopDelayAwaitable(timer, timer.Generation);
    }

    internal void ReturnDelayTimer(DelayTimer timer)
    {
        _delayPool ??= new Stack<DelayTimer>();
        if (_delayPool.Count < DelayPoolLimit)
        {
            _delayPool.Push(timer);
        }
    }
}
