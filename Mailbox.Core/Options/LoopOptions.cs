using Microsoft.Extensions.Logging;

namespace Mailbox;

/// <summary>Settings of one <see cref="LoopActor"/>, fixed when it is spawned.</summary>
public sealed record LoopOptions
{
    /// <summary>The loop's clock: every timer, <see cref="LoopActor.Delay"/> and stop timeout reads it. Tests pass a <c>FakeTimeProvider</c>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How many messages may wait in the mailbox (the running one not counted); <see langword="null"/> for unbounded.</summary>
    public int? MailboxCapacity { get; init; }

    /// <summary>What a send does when the bounded mailbox is full.</summary>
    public MailboxFullMode FullMode { get; init; } = MailboxFullMode.Wait;

    /// <summary>A callback, coroutine step or timer that runs longer than this is reported as slow; <see langword="null"/> turns the check off.</summary>
    public TimeSpan? SlowCallbackThreshold { get; init; }

    /// <summary>Decides what happens after a fire-and-forget callback threw; runs on the loop thread. <see langword="null"/> means <see cref="FaultDirective.Resume"/>.</summary>
    public Func<Exception, FaultDirective>? OnUnhandledException { get; init; }

    /// <summary>Receives the loop's <see cref="LoopEvent"/>s on the loop thread; it must not block.</summary>
    public IObserver<LoopEvent>? Observer { get; init; }

    /// <summary>Where the loop logs faults, slow callbacks and its lifecycle; <see langword="null"/> for no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Whether the loop thread is a background thread, so that a forgotten loop does not keep the process alive.</summary>
    public bool IsBackground { get; init; } = true;
}
