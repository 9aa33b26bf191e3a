using Microsoft.Extensions.Logging;

namespace Mailbox.Tests.Support;

/// <summary>A logger factory whose one logger throws on one event and ignores the rest: a failure of a loop's own code inside its turn.</summary>
/// <param name="failingEvent">The event id to throw at (<see cref="StartedEvent"/>, <see cref="StoppingEvent"/>).</param>
internal sealed class ThrowingLoggerFactory(int failingEvent) : ILoggerFactory, ILogger
{
    /// <summary><c>LoopLog.Started</c>'s event id.</summary>
    public const int StartedEvent = 1;

    /// <summary><c>LoopLog.Stopping</c>'s event id.</summary>
    public const int StoppingEvent = 2;

    /// <summary>Not an event id: the logger throws at every event.</summary>
    public const int EveryEvent = -1;

    /// <summary><c>LoopLog.Stopped</c>'s event id.</summary>
    public const int StoppedEvent = 3;

    /// <summary><c>LoopLog.MailboxFull</c>'s event id.</summary>
    public const int MailboxFullEvent = 30;

    /// <summary><c>LoopLog.ReaderFailed</c>'s event id.</summary>
    public const int ReaderFailedEvent = 13;

    /// <summary><c>LoopLog.UnobservedCoroutineFault</c>'s event id.</summary>
    public const int UnobservedFaultEvent = 14;

    /// <summary>How many times the logger has thrown; any thread.</summary>
    private int _thrown;

    /// <summary>How many times the logger has thrown.</summary>
    public int Thrown => Volatile.Read(ref _thrown);

    /// <summary>Every event logged but the failing one, in order, with its exception.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(int Id, Exception? Exception)> Logged { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == failingEvent || failingEvent == EveryEvent)
        {
            Interlocked.Increment(ref _thrown);
            throw new InvalidOperationException($"the logger failed at event {eventId.Id}");
        }

        Logged.Enqueue((eventId.Id, exception));
    }

    public void Dispose()
    {
    }
}
