using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Mailbox;

/// <summary>
/// The awaitable returned by <see cref="LoopActor.Yield"/>: it resumes at the back of the loop's queue, after every message
/// and step queued before it. Its continuation goes into the loop's own ready queue, so a yield allocates nothing.
/// </summary>
public readonly struct LoopYieldAwaitable
{
    private readonly LoopActor _loop;

    internal LoopYieldAwaitable(LoopActor loop) => _loop = loop;

    /// <summary>Gets the awaiter.</summary>
    /// <returns>The awaiter.</returns>
    public Awaiter GetAwaiter() => new(_loop);

    /// <summary>The awaiter of <see cref="LoopYieldAwaitable"/>; used by the compiler.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly struct Awaiter : ICriticalNotifyCompletion
    {
        private readonly LoopActor _loop;

        internal Awaiter(LoopActor loop) => _loop = loop;

        /// <summary>Always false: a yield always goes to the back of the queue.</summary>
        public bool IsCompleted => false;

        /// <summary>Ends the await.</summary>
        public void GetResult() { }

        /// <summary>Queues the continuation on the loop.</summary>
        /// <param name="continuation">The continuation.</param>
        public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

        /// <summary>Queues the continuation on the loop.</summary>
        /// <param name="continuation">The continuation.</param>
        public void UnsafeOnCompleted(Action continuation)
        {
            ArgumentNullException.ThrowIfNull(continuation);
            _loop.EnqueueStep(new Envelope(continuation));
        }
    }
}
