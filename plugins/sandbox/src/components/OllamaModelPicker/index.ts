export { OllamaModelPicker } from './OllamaModelPicker';
