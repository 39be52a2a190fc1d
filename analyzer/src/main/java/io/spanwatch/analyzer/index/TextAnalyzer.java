package io.spanwatch.analyzer.index;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.util.CharTokenizer;

/**
 * Splits the free-text field into runs of letters and digits, lowercased: {@code /dl/Setup.EXE?x=1}
 * gives {@code dl setup exe x 1}, so {@code setup.exe} (a phrase of two words) finds it in a URL, a
 * file name or a host. Values of one event are kept 100 positions apart so a phrase never spans two.
 */
public final class TextAnalyzer extends Analyzer {
    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer t = CharTokenizer.fromTokenCharPredicate(Character::isLetterOrDigit);
        return new TokenStreamComponents(t, new LowerCaseFilter(t));
    }

    @Override
    protected TokenStream normalize(String fieldName, TokenStream in) {
        return new LowerCaseFilter(in);
    }

    @Override
    public int getPositionIncrementGap(String fieldName) {
        return 100;
    }
}
