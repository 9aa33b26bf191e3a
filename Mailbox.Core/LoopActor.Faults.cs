namespace Mailbox;

// Faults, slow work and events, all on the loop thread. A fire-and-forget callback's exception goes to the fault policy
// (OnUnhandledException), the observer and the log; the loop goes on unless the policy says Stop. A coroutine's
// exception goes to its task instead. The observer is called inline and must not block; an observer or a policy that
// throws is logged (and, for the policy, reported as a fault of its own) but never kills the loop.
public sealed partial class LoopActor
{
    /// <summary>Applies the fault policy to an exception from a callback, a timer or a step.</summary>
    private void OnCallbackFaulted(Exception exception, string callbackName)
    {
        AssertOwner();
        var directive = FaultDirective.Resume;
        if (_options.OnUnhandledException is { } policy)
        {
            try
            {
                directive = policy(exception);
            }
#pragma warning disable CA1031 // a failing policy is reported; the loop survives it
            catch (Exception policyFailure)
#pragma warning restore CA1031
            {
                LoopLog.FaultPolicyFailed(_logger, policyFailure, Name);
                Report(policyFailure, nameof(LoopOptions.OnUnhandledException), FaultDirective.Resume);
            }
        }

        Report(exception, callbackName, directive);
        if (directive == FaultDirective.Stop)
        {
            StopAsync(StopMode.Drain);
        }
    }

    /// <summary>Reports a fault that has no policy decision to make (a cancellation callback that threw, say).</summary>
    internal void ReportFault(Exception exception, string callbackName) => Report(exception, callbackName, FaultDirective.Resume);

    private void Report(Exception exception, string callbackName, FaultDirective directive)
    {
        LoopMetrics.FaultCount.Add(1, LoopMetrics.Tag(this));
        LoopLog.CallbackFaulted(_logger, exception, Name, callbackName, directive);
        Publish(new CallbackFaulted(Name, _time.GetUtcNow(), callbackName, exception, directive));
    }

    /// <summary>
    /// From the finalizer thread: a coroutine fault nobody observed. The loop logs it and hands it to the observer on its
    /// own thread, as every event; only a loop that has stopped has it logged here. Nothing the logger or the clock throws
    /// may escape on the finalizer thread, where it would end the process, so neither is called here but for that log.
    /// </summary>
    internal void ReportUnobservedCoroutineFault(string coroutineName, Exception exception)
    {
        if (SendControl(new ControlMessage(ControlKind.UnobservedFault, (coroutineName, exception))))
        {
            return;
        }

        try
        {
            LoopLog.UnobservedCoroutineFault(_logger, exception, Name, coroutineName);
        }
#pragma warning disable CA1031 // see above
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>On the loop thread: logs and publishes a fault <see cref="ReportUnobservedCoroutineFault"/> sent.</summary>
    private void OnUnobservedCoroutineFault(string coroutineName, Exception exception)
    {
        if (_options.Observer is not null)
        {
            Publish(new UnobservedCoroutineFault(Name, _time.GetUtcNow(), coroutineName, exception));
        }

        LoopLog.UnobservedCoroutineFault(_logger, exception, Name, coroutineName); // last: a logger that throws ends the loop
    }

    private void OnSlowCallback(string callbackName, TimeSpan duration)
    {
        // A shared thread is shared fate: say which thread it held and how many loops waited on it.
        int loops = _lt.LoopCount, thread = Environment.CurrentManagedThreadId;
        LoopLog.SlowCallback(_logger, Name, callbackName, duration.TotalMilliseconds, loops, thread);
        Publish(new SlowCallback(Name, _time.GetUtcNow(), callbackName, duration) { ThreadId = thread, LoopsOnThread = loops });
    }

    private void OnMailboxFull()
    {
        int capacity = _options.MailboxCapacity ?? 0;
        LoopLog.MailboxFull(_logger, Name, capacity);
        Publish(new MailboxFull(Name, _time.GetUtcNow(), capacity));
    }

    /// <summary>Hands an event to the observer, inline on the loop thread.</summary>
    private void Publish(LoopEvent loopEvent)
    {
        AssertOwner();
        if (_options.Observer is not { } observer)
        {
            return;
        }

        try
        {
            observer.OnNext(loopEvent);
        }
#pragma warning disable CA1031 // an observer that throws must not take the loop down
        catch (Exception e)
#pragma warning restore CA1031
        {
            LoopLog.ObserverFailed(_logger, e, Name);
        }
    }

    /// <summary>
    /// Ends the loop after a failure of its own code (or of its <see cref="TimeProvider"/> while its thread armed its
    /// timers): logged, then stopped as <see cref="StopMode.Immediate"/>, so the report counts what will never run. On the
    /// loop thread, in a turn or right after one; the thread finishes the loop next.
    /// </summary>
    private void FailOwnCode(Exception failure)
    {
        LogReaderFailed(failure);
        StopAsync(StopMode.Immediate);
        _stopMode = StopMode.Immediate;
        _timedOut = false;
        _exit = true;
    }

    /// <summary>
    /// Logs a failure of the loop's own code. A logger that fails at that too has no one left to tell, and the loop must
    /// still end: the exception is dropped here rather than let out of the turn, where it would end the thread.
    /// </summary>
    private void LogReaderFailed(Exception failure)
    {
        try
        {
            LoopLog.ReaderFailed(_logger, failure, Name);
        }
#pragma warning disable CA1031 // the logger itself is what failed
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void CompleteObserver()
    {
        try
        {
            _options.Observer?.OnCompleted();
        }
#pragma warning disable CA1031 // an observer that throws must not keep the loop from finishing
        catch (Exception e)
#pragma warning restore CA1031
        {
            LoopLog.ObserverFailed(_logger, e, Name);
        }
    }
}
