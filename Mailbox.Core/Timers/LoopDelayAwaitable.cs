using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Mailbox;

/// <summary>
/// The awaitable returned by <see cref="LoopActor.Delay"/>: it resumes on the loop thread when the loop's clock reaches the
/// due time. Await it once, on the loop that created it; it throws <see cref="OperationCanceledException"/> if its token
/// or the loop's stop cancelled it.
/// </summary>
public readonly struct LoopDelayAwaitable
{
    private readonly DelayTimer _timer;
    private readonly int _generation;

    internal LoopDelayAwaitable(DelayTimer timer, int generation)
    {
        _timer = timer;
        _generation = generation;
    }

    /// <summary>Gets the awaiter.</summary>
    /// <returns>The awaiter.</returns>
    public Awaiter GetAwaiter() => new(_timer, _generation);

    /// <summary>The awaiter of <see cref="LoopDelayAwaitable"/>; used by the compiler.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly struct Awaiter : ICriticalNotifyCompletion
    {
        private readonly DelayTimer _timer;
        private readonly int _generation;

        internal Awaiter(DelayTimer timer, int generation)
        {
            _timer = timer;
            _generation = generation;
        }

        /// <summary>Whether the delay has ended.</summary>
        public bool IsCompleted => _timer.IsCompleted(_generation);

        /// <summary>Ends the await; throws <see cref="OperationCanceledException"/> if the delay was cancelled.</summary>
        public void GetResult() => _timer.GetResult(_generation);

        /// <summary>Schedules the continuation (the loop's own timer resumes it).</summary>
        /// <param name="continuation">The continuation.</param>
        public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

        /// <summary>Schedules the continuation (the loop's own timer resumes it).</summary>
        /// <param name="continuation">The continuation.</param>
        public void UnsafeOnCompleted(Action continuation)
        {
            ArgumentNullException.ThrowIfNull(continuation);
            _timer.OnCompleted(_generation, continuation);
        }
    }
}
