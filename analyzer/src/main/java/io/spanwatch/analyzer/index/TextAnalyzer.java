package io.spanwatch.analyzer.index;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;

/**
 * Splits the free-text field into runs of letters and digits, lowercased ({@link TextTokens}):
 * {@code /dl/Setup.EXE?x=1} gives {@code dl setup exe x 1}, so {@code setup.exe} (a phrase of two
 * words) finds it in a URL, a file name or a host. Queries go through it; events are indexed
 * through {@link TextTokens.Values}, the same words. Values of one event are kept
 * {@link TextTokens#VALUE_GAP} positions apart so a phrase never spans two.
 */
public final class TextAnalyzer extends Analyzer {
    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer t = TextTokens.tokenizer();
        return new TokenStreamComponents(t);
    }

    @Override
    protected TokenStream normalize(String fieldName, TokenStream in) {
        return new LowerCaseFilter(in);
    }

    @Override
    public int getPositionIncrementGap(String fieldName) {
        return TextTokens.VALUE_GAP;
    }
}
