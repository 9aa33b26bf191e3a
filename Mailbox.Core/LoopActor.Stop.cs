using System.Diagnostics;

namespace Mailbox;

// Stopping. StopAsync runs on the caller's thread and only sends: it moves the state to Stopping, closes the gate (so
// every later send is refused and the accepted total is exact), releases senders waiting for room, arms the timeout on
// the loop's clock and sends Stop on the control lane, which overtakes queued data. The loop thread does the rest
// (BeginStop, CheckStopDone, OnStopTimeout, Finish); the tasks complete from a pool thread after the loop is done — for a
// dedicated loop after its thread has exited (joined), for a grouped loop once its thread holds nothing of it — so no
// caller continuation runs on the loop and "completed" means "will never run again".
public sealed partial class LoopActor
{
    /// <summary>The stop's mode; written by the stopper before it sends Stop, read by the loop after.</summary>
    private StopMode _stopMode;

    /// <summary>Completes at a stop timeout while a callback is stuck, or with <see cref="Completion"/>; only a stop with a timeout has one. Written by the stopper before it sends Stop.</summary>
    private TaskCompletionSource<StopReport>? _stopped;

    /// <summary>What every <see cref="StopAsync"/> returns; published by the first stopper.</summary>
    private Task<StopReport>? _stopTask;

    /// <summary>The stop's timeout timer, if any; written by the stopper before it sends Stop.</summary>
    private ITimer? _timeoutTimer;

    /// <summary>Whether the loop has begun its stop. Loop thread only.</summary>
    private bool _stopRequested;

    /// <summary>Whether queued data will never run (Immediate, or a timeout). Loop thread only.</summary>
    private bool _dataAbandoned;

    /// <summary>Whether the timeout passed before the stop finished. Loop thread only.</summary>
    private bool _timedOut;

    /// <summary>Live coroutines the stop cancelled or abandoned. Loop thread only.</summary>
    private int _cancelledCoroutines;

    /// <summary>Timers the stop cancelled. Loop thread only.</summary>
    private int _cancelledTimers;

    /// <summary>
    /// Stops the loop. Never blocks: it sends the stop and returns. Idempotent: later calls return the first call's task
    /// (and do not change its mode or timeout). May be called on the loop thread, but loop code must not await the task,
    /// which completes only after the thread has exited.
    /// </summary>
    /// <param name="mode">Drain runs everything accepted; Immediate discards queued messages and cancels live coroutines.</param>
    /// <param name="timeout">On the loop's clock. When it passes, queued messages are discarded, live coroutines cancelled and then abandoned, and the report says <see cref="StopReport.TimedOut"/>; if a callback is stuck, the task completes at the timeout while <see cref="Completion"/> still waits for the thread.</param>
    /// <returns>The stop's report.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>), or <paramref name="mode"/> is unknown.</exception>
    /// <remarks>
    /// A timeout needs a timer of the loop's <see cref="LoopOptions.TimeProvider"/>. What that provider throws reaches the
    /// caller: if it fails to make the timer, nothing has changed (the loop runs on, and a later call may stop it); if it
    /// makes the timer and fails to arm it, the stop goes on without a timeout and later calls return its task.
    /// </remarks>
    public Task<StopReport> StopAsync(StopMode mode = StopMode.Drain, TimeSpan? timeout = null)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown StopMode.");
        }

        if (timeout is { } t && t < TimeSpan.Zero && t != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "A stop timeout must not be negative.");
        }

        if (Volatile.Read(ref _state) != (int)LoopState.Running)
        {
            return StopTaskOfWinner();
        }

        // Without a timeout the stop completes exactly when Completion does; only a timeout needs a task and a timer of
        // its own. The timer is made before anything changes, unarmed: a provider that throws then leaves the loop
        // running as it was, and a stopper that loses the race below never arms its own timeout.
        bool timed = timeout is { } limit && limit != Timeout.InfiniteTimeSpan;
        var timeoutTimer = timed
            ? _time.CreateTimer(static s => ((LoopActor)s!).OnStopTimeoutElapsed(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)
            : null;
        if (Interlocked.CompareExchange(ref _state, (int)LoopState.Stopping, (int)LoopState.Running) != (int)LoopState.Running)
        {
            timeoutTimer?.Dispose();
            return StopTaskOfWinner();
        }

        _stopMode = mode;
        _gate.Close();
        if (_room is not null)
        {
            Interlocked.Add(ref _refused, _room.FailAll(Stopped("send")));
        }

        if (timed)
        {
            _stopped = new TaskCompletionSource<StopReport>(TaskCreationOptions.RunContinuationsAsynchronously);
            _timeoutTimer = timeoutTimer;
        }

        var task = _stopped?.Task ?? _completion.Task;
        Volatile.Write(ref _stopTask, task);
        try
        {
            timeoutTimer?.Change(timeout!.Value, Timeout.InfiniteTimeSpan);
        }
        finally
        {
            // Sent even when a provider that made the timer fails to arm it: the stop then goes on without its timeout
            // (later calls return its task), and this caller hears why.
            bool sent = SendControl(new ControlMessage(ControlKind.Stop));
            Debug.Assert(sent, "the control lane closes only after a stop");
        }

        return task;
    }

    /// <summary>The first stopper's task, for a later caller: the winner of the state transition publishes it within moments.</summary>
    private Task<StopReport> StopTaskOfWinner()
    {
        SpinWait wait = default;
        Task<StopReport>? task;
        while ((task = Volatile.Read(ref _stopTask)) is null)
        {
            wait.SpinOnce();
        }

        return task;
    }

    /// <summary>The timeout timer's callback, on the provider's thread. If a callback is running right now it may be stuck, so the stop's task completes here with what is known; the loop finishes the rest when it can.</summary>
    private void OnStopTimeoutElapsed()
    {
        SendControl(new ControlMessage(ControlKind.StopTimeout));
        if (_lt.IsBusyWith(this))
        {
            long executed = Volatile.Read(ref _lt.TurnExecuted);
            if (!_lt.IsBusyWith(this))
            {
                return; // the turn ended while we read: the loop is not stuck, and it will finish the stop itself
            }

            _stopped!.TrySetResult(new StopReport(_stopMode, executed, _gate.Accepted - executed, _live.Count, Volatile.Read(ref _cancelledTimers), TimedOut: true));
        }
    }

    /// <summary>The loop's side of a stop: Drain cancels the timers that are not delays; Immediate discards the rest.</summary>
    private void BeginStop()
    {
        AssertOwner();
        if (_stopRequested)
        {
            return;
        }

        _stopRequested = true;
        if (_options.Observer is not null)
        {
            Publish(new LoopStopping(Name, _time.GetUtcNow(), _stopMode));
        }

        LoopLog.Stopping(_logger, Name, _stopMode);
        if (_stopMode == StopMode.Immediate)
        {
            AbandonData();
            CancelLiveCoroutines(); // first: cancelling a delay resumes its coroutine inline, which may end it uncounted
            CancelTimers(includeDelays: true);
        }
        else
        {
            CancelTimers(includeDelays: false);
        }
    }

    /// <summary>Ends the loop once the stop's work is done.</summary>
    private void CheckStopDone()
    {
        AssertOwner();
        bool dataDone = _dataAbandoned || Executed >= _gate.Accepted;
        if (dataDone && _live.Count == 0 && ReadyCount == 0 && _stepInbox is not { IsEmpty: false })
        {
            _exit = true;
        }
    }

    private void OnStopTimeout()
    {
        AssertOwner();
        if (_exit)
        {
            return;
        }

        BeginStop();
        _timedOut = true;
        AbandonData();
        CancelLiveCoroutines(); // before the timers, as in BeginStop
        CancelTimers(includeDelays: true);

        // Give coroutines that honour their token the chance to end as cancelled; abandon the others.
        for (int budget = TimeoutStepBudget; _live.Count > 0 && budget > 0; budget--)
        {
            MoveInbox();
            Envelope step = default; // assigned on every path, so that each mutant of the test below compiles (eng/mutation.sh)
            if (_ready is null || !_ready.TryDequeue(out step))
            {
                break;
            }

            Invoke(in step);
        }

        AbandonLiveCoroutines();
        _exit = true;
    }

    /// <summary>Stops reading the data lane and ends the tasks of the <c>RunAsync</c> requests that will never start.</summary>
    private void AbandonData()
    {
        AssertOwner();
        if (_dataAbandoned)
        {
            return;
        }

        _dataAbandoned = true;
        _hasStash = false;
        _stash = default;
        var queued = _queued.TakeAll();
        if (queued.Count == 0)
        {
            return; // most stops: no exception to build
        }

        var reason = new LoopStoppedException($"Loop '{Name}' stopped before it started this coroutine.");
        foreach (var request in queued)
        {
            request.Discard(reason);
        }
    }

    private void CancelTimers(bool includeDelays)
    {
        AssertOwner();
        if (_timers is null)
        {
            return;
        }

        foreach (var entry in _timers.RemoveAll(e => includeDelays || e.Timer is not DelayTimer))
        {
            switch (entry.Timer)
            {
                case TimerHandle handle:
                    handle.InQueue = false;
                    if (handle.CancelForStop())
                    {
                        _cancelledTimers++;
                    }

                    break;
                case TimerCell cell:
                    cell.InQueue = false;
                    if (cell.TryCancel(cell.Generation))
                    {
                        _cancelledTimers++;
                    }

                    break;
                case DelayTimer delay:
                    _cancelledTimers++;
                    delay.CancelForStop();
                    break;
            }
        }
    }

    private void CancelLiveCoroutines()
    {
        foreach (var request in _live.ToList())
        {
            if (!request.StopCounted)
            {
                request.StopCounted = true;
                _cancelledCoroutines++;
            }

            request.CancelOwnToken();
        }
    }

    private void AbandonLiveCoroutines()
    {
        if (_live.Count == 0)
        {
            return;
        }

        var reason = new LoopStoppedException($"Loop '{Name}' abandoned this coroutine at its stop timeout.");
        foreach (var request in _live.ToList())
        {
            if (!request.StopCounted)
            {
                request.StopCounted = true;
                _cancelledCoroutines++;
            }

            request.Abandon(reason);
        }
    }

    /// <summary>A coroutine fault that reached the loop too late for a turn: still logged and published, before the loop's own stop.</summary>
    private void LogUnobservedAtFinish((string CoroutineName, Exception Exception) fault)
    {
        try
        {
            OnUnobservedCoroutineFault(fault.CoroutineName, fault.Exception);
        }
#pragma warning disable CA1031 // outside any turn: what escapes here ends the thread, and with it the process
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReaderFailed(e);
        }
    }

    /// <summary>The loop's last act, on its thread after its last turn: final bookkeeping, the report, and the hand-off that completes the tasks.</summary>
    internal void Finish()
    {
        AssertOwner();
        StopReport report;
        try
        {
            // Close the control lane first: a timer set from another thread may still sit in it, accepted (its
            // CallLater returned) but never seen by the loop. It is cancelled and counted like every other timer.
            foreach (var message in Control.Close())
            {
                switch (message.Kind)
                {
                    case ControlKind.Query:
                        ((TaskCompletionSource<PendingWork>)message.Payload!).TrySetException(Stopped("query"));
                        break;
                    case ControlKind.ScheduleTimer when message.Payload is TimerCell cell:
                        if (cell.TryCancel(cell.Generation))
                        {
                            _cancelledTimers++;
                        }

                        break;
                    case ControlKind.ScheduleTimer when ((TimerHandle)message.Payload!).CancelForStop():
                        _cancelledTimers++;
                        break;
                    case ControlKind.UnobservedFault:
                        LogUnobservedAtFinish(((string, Exception))message.Payload!);
                        break;
                }
            }

            AbandonData();
            CancelTimers(includeDelays: true);
            AbandonLiveCoroutines();

            _timeoutTimer?.Dispose();
            Volatile.Write(ref _status, StatusFinished); // no sender or clock schedules it again
            if (_clockEntry is not null)
            {
                _clockEntry.Loop = null; // the clock's heap may still hold the entry: it must not hold the loop
                _clock!.Loops--;
            }

            long executed = _executed;
            report = new StopReport(_stopMode, executed, _gate.Accepted - executed, _cancelledCoroutines, _cancelledTimers, _timedOut);
            Volatile.Write(ref _state, (int)LoopState.Stopped);
            try
            {
                if (_options.Observer is not null)
                {
                    Publish(new LoopStopped(Name, _time.GetUtcNow(), report));
                }

                CompleteObserver();
                LoopLog.Stopped(_logger, Name, report.Executed, report.Discarded, report.CancelledCoroutines, report.CancelledTimers, report.TimedOut);
            }
#pragma warning disable CA1031 // outside any turn: what escapes here ends the thread, and with it the process
            catch (Exception e)
#pragma warning restore CA1031
            {
                // The report is made and the loop is Stopped; a logger that throws now (or while it logs an observer's
                // failure) must neither take the thread down nor leave the stop's task waiting.
                LogReaderFailed(e);
            }
        }
        finally
        {
            _group?.OnLoopFinished(this, _executed, _gate.Accepted - _executed, _cancelledCoroutines, _cancelledTimers, _timedOut);
        }

        if (_group is null)
        {
            // A dedicated thread exits right after this: the tasks complete from the pool once it has been joined.
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.loop.CompleteAfterExit(s.report), (loop: this, report), preferLocal: false);
        }
        else
        {
            // A group thread serves on: nothing to join, and the tasks run their continuations asynchronously anyway.
            CompleteAfterExit(report);
        }
    }

    private void CompleteAfterExit(StopReport report)
    {
        if (_group is null)
        {
            _lt.Join(); // a dedicated thread exits right after its only loop finished
        }

        LoopMetrics.Unregister(this);
        _stopped?.TrySetResult(report);
        _completion.TrySetResult(report);

        // Messages an Immediate stop discarded are still in the channel; drop them now, off the stop's critical path,
        // so a stopped loop that is still referenced does not hold them. The loop never runs again: this is the only reader.
        while (_reader.TryRead(out _))
        {
        }
    }
}
